import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Value } from '@sinclair/typebox/value';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ProfileSchema } from '../config/profile-schema.js';
import { loadProfiles } from '../config/profiles.js';
import { widthOf } from './register-image.js';
import { readProfile } from './sim-profile.js';

/** The shipped machine profiles (devices/*.yaml) against the contract and the house rules. */

const DEVICES = join(import.meta.dirname, '..', 'devices');
const files = readdirSync(DEVICES).filter((f) => f.endsWith('.yaml'));
const COUNTER_ROLES = new Set(['good_counter', 'reject_counter', 'total_counter', 'batch_counter']);

interface RawPoint {
  name: string;
  area: string;
  address: number;
  type: string;
  role?: string;
  counterBits?: number;
  source?: string;
  label?: { vi: string; en: string };
}

/** Requests a simple planner needs: one per run of same-area points with gaps ≤ maxGap. */
function requestCount(
  points: readonly ReturnType<typeof readProfile>['points'][number][],
  maxGap: number,
): number {
  let count = 0;
  for (const area of ['coil', 'discrete', 'holding', 'input'] as const) {
    const spans = points
      .filter((p) => p.area === area)
      .map((p) => [p.address, p.address + widthOf(p) - 1] as const)
      .sort((a, b) => a[0] - b[0]);
    let end = Number.NEGATIVE_INFINITY;
    for (const [start, stop] of spans) {
      if (start > end + 1 + maxGap) count++;
      end = Math.max(end, stop);
    }
  }
  return count;
}

describe.each(files)('devices/%s', (file) => {
  const doc = parse(readFileSync(join(DEVICES, file), 'utf8'));
  const points = doc.points as RawPoint[];

  it('matches config/profile-schema.ts and is named after its id', () => {
    const errors = [...Value.Errors(ProfileSchema, doc)].map((e) => `${e.path}: ${e.message}`);
    expect(errors).toEqual([]);
    expect(`${doc.id}.yaml`).toBe(file);
    expect(doc.manual).toBeTruthy();
    expect(doc.notes).toBeTruthy();
  });

  it('gives every point a label, a unique snake_case name, a role and a source', () => {
    const names = new Set<string>();
    for (const p of points) {
      expect(p.name, p.name).toMatch(/^[a-z][a-z0-9_]*$/);
      expect(names.has(p.name), `${p.name} twice`).toBe(false);
      names.add(p.name);
      expect(p.label?.vi && p.label.en, `${p.name} label`).toBeTruthy();
      expect(p.role, `${p.name} role`).toBeTruthy();
      expect(p.source, `${p.name} source`).toMatch(/controllers\.md|§/);
      if (COUNTER_ROLES.has(p.role ?? '')) expect(p.counterBits, `${p.name} counterBits`).toBeDefined();
    }
  });

  it('has run and fault roles (a machine) and code tables for its code points', () => {
    const roles = new Set(points.map((p) => p.role));
    if (doc.kind !== 'energy_meter') {
      expect(roles.has('run')).toBe(true);
      expect(roles.has('fault') || roles.has('fault_code')).toBe(true);
    }
    if (roles.has('fault_code')) {
      expect(Object.keys(doc.faultCodes ?? {}).length).toBeGreaterThan(3);
      for (const t of Object.values(doc.faultCodes) as { vi: string; en: string }[]) {
        expect(t.vi).not.toBe(t.en);
      }
    }
    if (roles.has('state_code')) expect(Object.keys(doc.stateCodes ?? {})).toContain('0');
  });

  it('does not overlap registers (bits of one status word excepted) and plans into ≤ 3 reads', () => {
    const profile = readProfile(join(DEVICES, file));
    const owner = new Map<string, string>();
    for (const p of profile.points) {
      if (p.type === 'bit') continue;
      for (let a = p.address; a < p.address + widthOf(p); a++) {
        const key = `${p.area}:${a}`;
        expect(owner.get(key), `${p.name} overlaps ${owner.get(key)} at ${key}`).toBeUndefined();
        owner.set(key, p.name);
      }
    }
    expect(requestCount(profile.points, doc.modbus?.maxGap ?? 0)).toBeLessThanOrEqual(3);
  });
});

it('ships the eight kinds the simulator knows', () => {
  const kinds = files.map((f) => parse(readFileSync(join(DEVICES, f), 'utf8')).kind).sort();
  expect(kinds).toEqual([
    'checkweigher',
    'dryer',
    'energy_meter',
    'fryer',
    'packer',
    'rice_former',
    'roaster',
    'vacuum_sealer',
  ]);
});

it('loads with the gateway’s own profile loader (config/profiles.ts)', () => {
  const loaded = loadProfiles([DEVICES]);
  expect([...loaded.keys()].sort()).toEqual(files.map((f) => f.replace(/\.yaml$/, '')).sort());
});
