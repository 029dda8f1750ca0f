import type { LinegateConfig } from '../../config/types.js';

/** What changed between the running config and a newly loaded one (pure; for logs and parts). */
export interface ConfigDiff {
  readonly machines: IdChanges;
  readonly sinks: IdChanges;
  readonly lines: IdChanges;
  /** Serial buses, the MQTT section or the site changed. */
  readonly buses: boolean;
  readonly mqtt: boolean;
  readonly site: boolean;
  /** Top-level keys that only a restart applies (kept from the running config). */
  readonly restartNeeded: readonly ('http' | 'dataDir' | 'store' | 'log')[];
  /** True when nothing at all differs. */
  readonly none: boolean;
}

export interface IdChanges {
  readonly added: readonly string[];
  readonly removed: readonly string[];
  readonly changed: readonly string[];
}

const same = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);

export function diffById<T extends { readonly id: string }>(
  prev: readonly T[],
  next: readonly T[],
): IdChanges {
  const before = new Map(prev.map((x) => [x.id, x]));
  const after = new Map(next.map((x) => [x.id, x]));
  return {
    added: next.filter((x) => !before.has(x.id)).map((x) => x.id),
    removed: prev.filter((x) => !after.has(x.id)).map((x) => x.id),
    changed: next.filter((x) => before.has(x.id) && !same(before.get(x.id), x)).map((x) => x.id),
  };
}

const RESTART_KEYS = ['http', 'dataDir', 'store', 'log'] as const;

export function diffConfig(prev: LinegateConfig, next: LinegateConfig): ConfigDiff {
  const machines = diffById(prev.machines, next.machines);
  const sinks = diffById(prev.sinks, next.sinks);
  const lines = diffById(prev.lines, next.lines);
  const buses = !same(prev.buses, next.buses);
  const mqtt = !same(prev.mqtt, next.mqtt);
  const site = !same(prev.site, next.site);
  const restartNeeded = RESTART_KEYS.filter((k) => !same(prev[k], next[k]));
  const count = (c: IdChanges) => c.added.length + c.removed.length + c.changed.length;
  const none =
    count(machines) + count(sinks) + count(lines) === 0 &&
    !buses &&
    !mqtt &&
    !site &&
    restartNeeded.length === 0 &&
    same(prev.reload, next.reload);
  return { machines, sinks, lines, buses, mqtt, site, restartNeeded, none };
}

/** The running config's restart-only keys over the new one: what a reload really applies. */
export function keepRestartOnly(prev: LinegateConfig, next: LinegateConfig): LinegateConfig {
  return { ...next, http: prev.http, dataDir: prev.dataDir, store: prev.store, log: prev.log };
}

/** Ids of MQTT (listened-to) machines whose definition differs: a reason to restart MQTT. */
export function mqttMachinesChanged(prev: LinegateConfig, next: LinegateConfig, diff: ConfigDiff): boolean {
  const isMqtt = (c: LinegateConfig) =>
    new Set(c.machines.filter((m) => m.connection.type === 'mqtt').map((m) => m.id));
  const a = isMqtt(prev);
  const b = isMqtt(next);
  const touched = [...diff.machines.added, ...diff.machines.removed, ...diff.machines.changed];
  return diff.mqtt || diff.site || touched.some((id) => a.has(id) || b.has(id));
}
