import { readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { ByteOrder } from '../gateway/core/points.js';
import { ConfigError, type ConfigIssue, issueAt, schemaIssues } from './issues.js';
import { mqttPointIssues, normaliseMqttPoint, normalisePayload } from './mqtt-points.js';
import { packageRoot } from './paths.js';
import { canonicalOrder, deepFreeze, normalisePoint, pointIssues } from './points.js';
import {
  type MqttProfileInput,
  MqttProfileSchema,
  type ProfileInput,
  ProfileSchema,
} from './profile-schema.js';
import type { AnyProfile, ModbusLimits, MqttProfile, Profile } from './types.js';
import { readYaml, type YamlSource } from './yaml-source.js';

/** The profiles shipped with linegate: devices/ (Modbus) and devices/mqtt/ at the package root. */
export function defaultProfileDirs(): string[] {
  return [join(packageRoot(), 'devices'), join(packageRoot(), 'devices', 'mqtt')];
}

function shortName(file: string): string {
  const rel = relative(process.cwd(), file);
  return rel.startsWith('..') ? file : rel;
}

type ProfileLoader = (path: string, file: string, src: YamlSource) => AnyProfile;

/** Profile forms by their `protocol:` key (absent = modbus). Register, don't branch. */
const PROFILE_LOADERS: Readonly<Record<string, ProfileLoader>> = {
  modbus: loadModbusProfile,
  mqtt: loadMqttProfile,
};

/** Loads one profile file; throws ConfigError (LG_PROFILE_INVALID) naming file, line and path. */
export function loadProfileFile(path: string): AnyProfile {
  const file = shortName(path);
  const src = readYaml(path, 'profile');
  const raw = src.data as { protocol?: unknown } | null;
  const protocol =
    typeof raw === 'object' && raw !== null && raw.protocol !== undefined ? raw.protocol : 'modbus';
  const loader = typeof protocol === 'string' ? PROFILE_LOADERS[protocol] : undefined;
  if (!loader) {
    const choices = Object.keys(PROFILE_LOADERS).join(', ');
    throw new ConfigError('LG_PROFILE_INVALID', [
      issueAt(file, src.locate, ['protocol'], `must be one of ${choices} (got ${JSON.stringify(protocol)})`),
    ]);
  }
  return loader(path, file, src);
}

function idIssues(path: string, id: string, file: string, src: YamlSource): ConfigIssue[] {
  const expected = path.replace(/^.*[\\/]/, '').replace(/\.ya?ml$/, '');
  return id === expected ? [] : [issueAt(file, src.locate, ['id'], `must equal the file name "${expected}"`)];
}

function loadMqttProfile(path: string, file: string, src: YamlSource): MqttProfile {
  const issues: ConfigIssue[] = schemaIssues(MqttProfileSchema, src.data, file, src.locate);
  if (issues.length > 0) throw new ConfigError('LG_PROFILE_INVALID', issues);
  const input = src.data as MqttProfileInput;
  issues.push(
    ...mqttPointIssues(input.points, file, src.locate, ['points']),
    ...idIssues(path, input.id, file, src),
  );
  if (issues.length > 0) throw new ConfigError('LG_PROFILE_INVALID', issues);
  return deepFreeze({
    protocol: 'mqtt',
    id: input.id,
    kind: input.kind,
    name: input.name,
    ...(input.vendor !== undefined ? { vendor: input.vendor } : {}),
    ...(input.model !== undefined ? { model: input.model } : {}),
    ...(input.manual !== undefined ? { manual: input.manual } : {}),
    file,
    points: input.points.map(normaliseMqttPoint),
    payload: normalisePayload(input.payload),
    faultCodes: input.faultCodes ?? {},
    stateCodes: input.stateCodes ?? {},
    alarms: input.alarms ?? [],
  });
}

function loadModbusProfile(path: string, file: string, src: YamlSource): Profile {
  const issues: ConfigIssue[] = schemaIssues(ProfileSchema, src.data, file, src.locate);
  if (issues.length > 0) throw new ConfigError('LG_PROFILE_INVALID', issues);
  const input = src.data as ProfileInput;
  const base = input.modbus?.addressBase ?? 0;
  issues.push(...pointIssues(input.points, file, src.locate, ['points'], base));
  issues.push(...idIssues(path, input.id, file, src));
  if (issues.length > 0) throw new ConfigError('LG_PROFILE_INVALID', issues);
  const order: ByteOrder = canonicalOrder(input.modbus?.byteOrder, 'ABCD');
  const limits: Partial<ModbusLimits> = {
    ...(input.modbus?.maxRegistersPerRead !== undefined
      ? { maxRegistersPerRead: input.modbus.maxRegistersPerRead }
      : {}),
    ...(input.modbus?.maxBitsPerRead !== undefined ? { maxBitsPerRead: input.modbus.maxBitsPerRead } : {}),
    ...(input.modbus?.maxGap !== undefined ? { maxGap: input.modbus.maxGap } : {}),
    ...(input.modbus?.interRequestDelayMs !== undefined
      ? { interRequestDelayMs: input.modbus.interRequestDelayMs }
      : {}),
  };
  return deepFreeze({
    id: input.id,
    kind: input.kind,
    name: input.name,
    ...(input.vendor !== undefined ? { vendor: input.vendor } : {}),
    ...(input.model !== undefined ? { model: input.model } : {}),
    ...(input.manual !== undefined ? { manual: input.manual } : {}),
    file,
    points: input.points.map((p) => normalisePoint(p, order, base)),
    faultCodes: input.faultCodes ?? {},
    stateCodes: input.stateCodes ?? {},
    alarms: input.alarms ?? [],
    limits,
  });
}

/**
 * Loads every *.yaml profile in the folders, in order; a later folder may replace a profile of an
 * earlier one (a site's own version of a shipped profile). All files are checked, and every
 * problem is reported together.
 */
export function loadProfiles(dirs: readonly string[]): Map<string, AnyProfile> {
  const out = new Map<string, AnyProfile>();
  const issues: ConfigIssue[] = [];
  for (const dir of dirs) {
    let names: string[];
    try {
      names = readdirSync(dir)
        .filter((n) => /\.ya?ml$/.test(n))
        .sort();
    } catch (err) {
      issues.push({ file: shortName(dir), line: null, path: '(folder)', message: (err as Error).message });
      continue;
    }
    for (const n of names) {
      try {
        const p = loadProfileFile(join(dir, n));
        out.set(p.id, p);
      } catch (err) {
        if (err instanceof ConfigError) issues.push(...err.issues);
        else throw err;
      }
    }
  }
  if (issues.length > 0) throw new ConfigError('LG_PROFILE_INVALID', issues);
  return out;
}
