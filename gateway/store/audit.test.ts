import BetterSqlite3 from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { AuditLog } from './audit.js';
import { migrateComponent } from './migrations.js';

const dbs: BetterSqlite3.Database[] = [];
const open = () => {
  const db = new BetterSqlite3(':memory:');
  dbs.push(db);
  return db;
};
afterEach(() => {
  for (const db of dbs.splice(0)) db.close();
});

describe('AuditLog', () => {
  it('appends and lists newest first, filtered by actor, action prefix and time', () => {
    const log = AuditLog.open(open());
    log.append({ ts: 1000, actor: 'lan', action: 'auth.login', target: 'lan', result: 'ok' });
    log.append({
      ts: 2000,
      actor: 'lan',
      action: 'alarm.ack',
      target: 'a1',
      result: 'ok',
      detail: { comment: 'đã xử lý' },
    });
    log.append({ ts: 3000, actor: 'minh', action: 'alarm.shelve', target: 'a2', result: 'denied' });
    expect(log.list().map((r) => r.action)).toEqual(['alarm.shelve', 'alarm.ack', 'auth.login']);
    expect(log.list({ actor: 'lan' })).toHaveLength(2);
    expect(log.list({ action: 'alarm.' }).map((r) => r.target)).toEqual(['a2', 'a1']);
    expect(log.list({ action: 'alarm' })).toHaveLength(0);
    expect(log.list({ from: 1500, to: 2500 })[0]?.detail).toEqual({ comment: 'đã xử lý' });
    const [newest] = log.list({ limit: 1 });
    expect(log.list({ before: newest?.id }).length).toBe(2);
  });

  it('reopening the same database keeps the records and migrates nothing twice', () => {
    const db = open();
    AuditLog.open(db).append({ ts: 1, actor: 'system', action: 'gateway.start', target: '', result: 'ok' });
    expect(AuditLog.open(db).list()).toHaveLength(1);
  });
});

describe('migrateComponent', () => {
  it('versions each component on its own and refuses a newer file', () => {
    const db = open();
    const v1 = [{ version: 1, name: 'a', sql: 'CREATE TABLE a (x)' }];
    expect(migrateComponent(db, 'one', v1).applied).toEqual([1]);
    expect(
      migrateComponent(
        db,
        'two',
        v1.map((m) => ({ ...m, sql: 'CREATE TABLE b (x)' })),
      ).applied,
    ).toEqual([1]);
    expect(migrateComponent(db, 'one', v1).applied).toEqual([]);
    const v2 = [...v1, { version: 2, name: 'c', sql: 'CREATE TABLE c (x); CREATE TABLE a (y)' }];
    expect(() => migrateComponent(db, 'one', v2)).toThrow(
      expect.objectContaining({ code: 'LG_STORE_SCHEMA' }),
    );
    expect(db.prepare("SELECT count(*) FROM sqlite_schema WHERE name = 'c'").pluck().get()).toBe(0);
    db.prepare("UPDATE component_version SET version = 5 WHERE name = 'one'").run();
    expect(() => migrateComponent(db, 'one', v1)).toThrow(/schema version 5/);
  });
});
