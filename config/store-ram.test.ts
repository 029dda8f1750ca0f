import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from './issues.js';
import { loadConfigText } from './load.js';

const PROFILES = [new URL('../tests/config-errors/_profiles', import.meta.url).pathname];
const base = `
site: { id: htx-test, name: HTX thử }
lines: [{ id: line-1, name: Dây chuyền 1 }]
machines: []
`;
const load = (store: string) =>
  loadConfigText(`${base}store:\n${store}\n`, '/etc/linegate/plant.yaml', { profileDirs: PROFILES, env: {} });

describe('store.ramTier', () => {
  it('absent: no RAM tier', () => {
    expect(load('  ackPersistS: 30').store.ramTier).toBeNull();
  });

  it('fills the defaults and resolves a relative dir (text: against the working directory)', () => {
    expect(load('  ramTier: { dir: ram }').store.ramTier).toEqual({
      dir: resolve('ram'),
      spillAfterMs: 30_000,
      keepMs: 900_000,
      maxBytes: 64 * 1024 * 1024,
    });
    expect(
      load('  ramTier: { dir: /run/linegate, spillAfterS: 5, keepS: 0, maxSizeMb: 8 }').store.ramTier,
    ).toEqual({
      dir: '/run/linegate',
      spillAfterMs: 5000,
      keepMs: 0,
      maxBytes: 8 * 1024 * 1024,
    });
  });

  it.each([
    ['  ramTier: { spillAfterS: 30 }', 'store.ramTier.dir'],
    ['  ramTier: { dir: /run/linegate, spillAfterS: 0 }', 'store.ramTier.spillAfterS'],
    ['  ramTier: { dir: /run/linegate, maxSizeMb: 0 }', 'store.ramTier.maxSizeMb'],
    ['  ramTier: { dir: /run/linegate, keep: 9 }', 'store.ramTier.keep'],
  ])('refuses %s with the path', (store, path) => {
    try {
      load(store);
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as ConfigError).issues.map((i) => i.path)).toContain(path);
    }
  });
});
