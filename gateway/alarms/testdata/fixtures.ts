/** Test support: rules with defaults, a machine, and an engine over a temp SQLite file. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pino from 'pino';
import type { AlarmsConfig } from '../../../config/alarms.js';
import { AuditLog } from '../../store/audit.js';
import { AlarmStore } from '../alarm-store.js';
import { AlarmEngine, type AlarmEngineDeps, type AlarmMachine } from '../engine.js';
import type { Notifier } from '../notifiers/types.js';
import { Notifications } from '../notify/notifications.js';
import type { AlarmRule } from '../types.js';

export function rule(p: Partial<AlarmRule> & Pick<AlarmRule, 'id' | 'kind'>): AlarmRule {
  return {
    point: null,
    level: null,
    limit: null,
    deadband: 0,
    equals: null,
    forMs: 0,
    tolerance: 0,
    onDelayMs: 0,
    offDelayMs: 0,
    severity: 2,
    message: null,
    unit: null,
    codes: {},
    ...p,
  };
}

export function machine(id: string, rules: AlarmRule[], extra: Partial<AlarmMachine> = {}): AlarmMachine {
  return { id, name: `Máy ${id}`, line: 'l1', runPoint: null, rules, labels: {}, ...extra };
}

export const silentLog = pino({ level: 'silent' });

export interface TempAlarmDb {
  readonly dir: string;
  readonly file: string;
  db: Database.Database;
  store: AlarmStore;
  audit: AuditLog;
  reopen(): void;
  engine(deps: Partial<AlarmEngineDeps> & Pick<AlarmEngineDeps, 'machines'>): AlarmEngine;
  cleanup(): void;
}

export function tempAlarmDb(): TempAlarmDb {
  const dir = mkdtempSync(join(tmpdir(), 'linegate-alarms-'));
  const file = join(dir, 'store.db');
  const open = () => {
    const db = new Database(file);
    db.pragma('journal_mode = WAL');
    return db;
  };
  const t: TempAlarmDb = {
    dir,
    file,
    db: open(),
    store: undefined as unknown as AlarmStore,
    audit: undefined as unknown as AuditLog,
    reopen() {
      if (t.db.open) t.db.close();
      t.db = open();
      t.store = AlarmStore.open(t.db);
      t.audit = AuditLog.open(t.db);
    },
    engine: (deps) => new AlarmEngine({ store: t.store, audit: t.audit, log: silentLog, ...deps }),
    cleanup() {
      if (t.db.open) t.db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  t.store = AlarmStore.open(t.db);
  t.audit = AuditLog.open(t.db);
  return t;
}

/**
 * An engine and its notification router over `t`, wired as startAlarms does, on a clock the
 * test moves (`now()`); their timers are an hour apart, so a test calls `tick()`/`check()`.
 */
export function manualAlarms(
  t: TempAlarmDb,
  config: AlarmsConfig,
  now: () => number,
  notifiers: ReadonlyMap<string, Notifier>,
): { engine: AlarmEngine; n: Notifications } {
  const engine = t.engine({ machines: config.machines, now, tickMs: 3_600_000 });
  const n = new Notifications({
    config,
    db: t.db,
    alarms: t.store,
    site: 's',
    log: silentLog,
    now,
    checkMs: 3_600_000,
    notifiers,
  });
  engine.onEvent(() => n.onAlarmEvent());
  engine.start();
  n.start(() => engine.list({ active: true }));
  return { engine, n };
}
