import { isMqttMachineConfig, type LinegateConfig } from '../../config/types.js';
import type { ConfigDiff } from './config-diff.js';
import { mqttMachinesChanged } from './config-diff.js';
import type { LinkScheduler } from './link-scheduler.js';
import type { Persistence } from './persistence.js';
import type { Reloader } from './reloader.js';
import type { SupervisedSource, Supervisor } from './supervisor.js';

/** What the gateway's own parts need to follow a reload (main.ts fills it in). */
export interface ReloadHooks {
  readonly persistence: Persistence;
  readonly supervisor: Supervisor;
  /** The set persistence skips (MQTT samples are stored by the source): refilled in place. */
  readonly mqttMachines: Set<string>;
  readonly buildSources: (c: LinegateConfig) => {
    sources: SupervisedSource[];
    schedulers: LinkScheduler[];
  };
  /** The links the view shows from now on. */
  readonly setLinks: (links: LinkScheduler[]) => void;
  readonly restartMqtt: (c: LinegateConfig) => Promise<void>;
}

/** Whether a polled (Modbus) machine or a serial bus differs: the polled acquisition is rebuilt. */
export function modbusChanged(prev: LinegateConfig, next: LinegateConfig, diff: ConfigDiff): boolean {
  const polled = (c: LinegateConfig) =>
    new Set(c.machines.filter((m) => !isMqttMachineConfig(m)).map((m) => m.id));
  const a = polled(prev);
  const b = polled(next);
  const touched = [...diff.machines.added, ...diff.machines.removed, ...diff.machines.changed];
  return diff.buses || touched.some((id) => a.has(id) || b.has(id));
}

/**
 * Registers the gateway's own reload parts, in this order:
 *  1. persistence: series tags, sinks added/removed/changed (the store stays open);
 *  2. polled acquisition, when a Modbus machine or bus changed: every source stops (the poll in
 *     flight finishes and reaches the store through the bus), the links close, the new sources
 *     start on the same bus and live state;
 *  3. MQTT, when the mqtt section, the site or an MQTT machine changed: the broker and clients
 *     stop (unacknowledged QoS 1 messages are sent again by the devices) and start again.
 * Parts of other branches register after these (see docs/reload.md).
 */
export function onReload(reloader: Reloader, h: ReloadHooks): void {
  reloader.register('persistence', (next) => h.persistence.reconfigure(next));
  reloader.register('acquisition', async (next, prev, diff) => {
    h.mqttMachines.clear();
    for (const m of next.machines) if (isMqttMachineConfig(m)) h.mqttMachines.add(m.id);
    if (modbusChanged(prev, next, diff)) {
      const built = h.buildSources(next);
      await h.supervisor.replace(built.sources, built.schedulers);
      h.setLinks(built.schedulers);
    }
  });
  reloader.register('mqtt', async (next, prev, diff) => {
    if (mqttMachinesChanged(prev, next, diff)) await h.restartMqtt(next);
  });
}
