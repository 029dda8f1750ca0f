import type { Logger } from 'pino';
import { ALARM_DEFAULTS, type AlarmsConfig } from '../../config/alarms.js';
import type { AlarmsHandle } from '../api/alarm-routes.js';
import type { EventBus } from '../runtime/event-bus.js';
import type { AuditLog } from '../store/audit.js';
import type { StoreEvent } from '../store/sample-writer.js';
import { AlarmStore } from './alarm-store.js';
import { AlarmEngine, type MachineMode } from './engine.js';
import { alarmEventRow } from './event-row.js';
import { Notifications } from './notify/notifications.js';

/**
 * The alarm part as main.ts starts it: the engine fed from the bus, every alarm event to the
 * outbox (InfluxDB, MQTT uplink) and to the durable notification queue.
 *
 * Calling rules: `startAlarms()` once after the store is open and before the sources start;
 * `stop()` once after the sources have stopped and before the store closes.
 */
export interface RunningAlarms {
  readonly engine: AlarmEngine;
  /** What the API gets: the engine's reads and commands, and the channels' backlog. */
  readonly handle: AlarmsHandle;
  readonly notifications: Notifications;
  stop(): Promise<void>;
}

export interface AlarmsDeps {
  readonly site: string;
  readonly bus: EventBus;
  readonly db: import('better-sqlite3').Database;
  readonly appendEvents: (rows: readonly StoreEvent[]) => void;
  readonly audit: AuditLog;
  readonly log: Logger;
  /** Production's machine state (branch `prod`); default: comm status only. */
  readonly machineMode?: MachineMode;
}

export function startAlarms(config: AlarmsConfig, deps: AlarmsDeps): RunningAlarms {
  const log = deps.log.child({ part: 'alarms' });
  const store = AlarmStore.open(deps.db);
  const engine = new AlarmEngine({
    machines: config.machines,
    store,
    audit: deps.audit,
    log,
    ...(deps.machineMode ? { machineMode: deps.machineMode } : {}),
  });
  const notifications = new Notifications({
    config,
    db: deps.db,
    alarms: store,
    site: deps.site,
    log: log.child({ part: 'notify' }),
  });
  engine.onEvent((e) => {
    deps.appendEvents([alarmEventRow(deps.site, e)]);
    notifications.onAlarmEvent();
  });
  engine.onRestart((n) => notifications.restarted(n));
  const owner = {};
  deps.bus.on('samples', owner, (s) => engine.samples(s));
  deps.bus.on('machine-status', owner, (e) => engine.status(e));
  engine.start();
  notifications.start(() => engine.list({ active: true }));
  const keepMs = config.historyMs ?? ALARM_DEFAULTS.historyDays * 86_400_000;
  const prune = () => {
    const n = store.prune(Date.now() - keepMs);
    if (n > 0) log.info({ deleted: n, keepDays: keepMs / 86_400_000 }, 'old alarm events deleted');
  };
  prune();
  const pruneTimer = setInterval(prune, 3_600_000);
  pruneTimer.unref?.();
  log.info({ machines: config.machines.length, channels: config.channels.length }, 'alarms started');
  const handle: AlarmsHandle = {
    list: (f) => engine.list(f),
    history: (q) => engine.history(q),
    ack: (id, actor, comment) => engine.ack(id, actor, comment),
    shelve: (id, minutes, actor, comment) => engine.shelve(id, minutes, actor, comment),
    unshelve: (id, actor) => engine.unshelve(id, actor),
    setOutOfService: (id, on, actor, comment) => engine.setOutOfService(id, on, actor, comment),
    summary: (m) => engine.summary(m),
    channels: () => notifications.status(),
    subscribe: (fn) => engine.onEvent(fn),
  };
  return {
    engine,
    handle,
    notifications,
    async stop() {
      clearInterval(pruneTimer);
      deps.bus.removeListeners(owner);
      engine.stop();
      await notifications.stop();
    },
  };
}
