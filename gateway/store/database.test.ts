import {
  closeSync,
  existsSync,
  openSync,
  readdirSync,
  readFileSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { isLinegateError } from '../core/errors.js';
import { DB_FILE_NAME, openDatabase } from './database.js';
import { MIGRATIONS, migrate, SCHEMA_VERSION } from './migrations.js';
import { FakeClock, sample, tempStores } from './testdata/temp-store.js';

const t = tempStores();
afterEach(() => t.cleanup());

describe('openDatabase', () => {
  it('creates linegate.db in WAL mode with synchronous=NORMAL, foreign keys and the schema', () => {
    const dir = t.dir();
    const { db, path, recovered, migration } = openDatabase({ dataDir: join(dir, 'nested', 'data') });
    try {
      expect(path).toBe(join(dir, 'nested', 'data', DB_FILE_NAME));
      expect(recovered).toBeNull();
      expect(migration).toEqual({ from: 0, to: SCHEMA_VERSION, applied: [1] });
      expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
      expect(db.pragma('synchronous', { simple: true })).toBe(1); // NORMAL
      expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
      expect(db.pragma('wal_autocheckpoint', { simple: true })).toBe(1000);
      expect(db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
      const tables = db
        .prepare("SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name")
        .pluck()
        .all();
      expect(tables).toEqual([
        'counter',
        'event',
        'quarantine',
        'rollup_1d',
        'rollup_1h',
        'rollup_1m',
        'sample',
        'seq_time',
        'series',
        'sink',
      ]);
      // No index beyond primary keys and the dictionary's unique (machine, point).
      const indexes = db.prepare("SELECT name FROM sqlite_schema WHERE type = 'index'").pluck().all();
      expect(indexes).toEqual(['sqlite_autoindex_series_1']);
    } finally {
      db.close();
    }
  });

  it('reopening applies no migration and keeps the data (idempotent)', () => {
    const dir = t.dir();
    const s = t.open(dir);
    s.append([sample('m1', 'p', 1, 1000)]);
    s.close();
    const again = openDatabase({ dataDir: dir });
    try {
      expect(again.migration.applied).toEqual([]);
      expect(again.db.prepare('SELECT count(*) FROM sample').pluck().get()).toBe(1);
    } finally {
      again.db.close();
    }
  });

  it('refuses a file with a newer schema (LG_STORE_SCHEMA) and moves nothing', () => {
    const dir = t.dir();
    const raw = new BetterSqlite3(join(dir, DB_FILE_NAME));
    raw.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
    raw.close();
    let err: unknown;
    try {
      openDatabase({ dataDir: dir });
    } catch (e) {
      err = e;
    }
    expect(isLinegateError(err, 'LG_STORE_SCHEMA')).toBe(true);
    expect(readdirSync(dir).filter((f) => f.includes('corrupt'))).toEqual([]);
  });

  it('a data dir that cannot be created is LG_STORE_OPEN', () => {
    const dir = t.dir();
    writeFileSync(join(dir, 'file'), 'x');
    expect(() => openDatabase({ dataDir: join(dir, 'file', 'sub') })).toThrow(
      expect.objectContaining({ code: 'LG_STORE_OPEN' }),
    );
  });
});

describe('migrate', () => {
  it('runs each migration in a transaction: a failing one leaves the previous version', () => {
    const db = new BetterSqlite3(':memory:');
    const broken = [
      ...MIGRATIONS,
      { version: 2, name: 'half broken', sql: 'CREATE TABLE extra (a); CREATE TABLE sample (x);' },
    ];
    expect(() => migrate(db, broken)).toThrow(expect.objectContaining({ code: 'LG_STORE_SCHEMA' }));
    expect(db.pragma('user_version', { simple: true })).toBe(1);
    expect(db.prepare("SELECT count(*) FROM sqlite_schema WHERE name = 'extra'").pluck().get()).toBe(0);
    const ok = [...MIGRATIONS, { version: 2, name: 'extra', sql: 'CREATE TABLE extra (a)' }];
    expect(migrate(db, ok).applied).toEqual([2]);
    expect(migrate(db, ok).applied).toEqual([]);
    db.close();
  });

  it('refuses gaps in the numbering', () => {
    const db = new BetterSqlite3(':memory:');
    expect(() => migrate(db, [{ version: 2, name: 'x', sql: '' }])).toThrow(/numbered/);
    db.close();
  });
});

describe('corrupt file at boot', () => {
  it('garbage in linegate.db: moved aside with its -wal and -shm, a fresh file works', () => {
    const dir = t.dir();
    const clock = new FakeClock(Date.UTC(2025, 4, 6, 7, 8, 9, 10));
    const path = join(dir, DB_FILE_NAME);
    writeFileSync(path, Buffer.alloc(64 * 1024, 0x5a));
    writeFileSync(`${path}-wal`, 'not a wal');
    writeFileSync(`${path}-shm`, 'not a shm');

    const s = t.open(dir, { now: clock.now });
    const movedTo = `${path}.corrupt-2025-05-06T07-08-09-010Z`;
    expect(s.recovered).toEqual({ from: path, movedTo, reason: expect.stringMatching(/not a database/) });
    expect(readFileSync(movedTo).length).toBe(64 * 1024);
    expect(readFileSync(`${movedTo}-wal`, 'utf8')).toBe('not a wal');
    expect(existsSync(`${movedTo}-shm`)).toBe(true); // SQLite rewrites the index; it is derived data

    const outbox = s.registerSink('influx');
    s.append([sample('m1', 'temp', 21.5, clock.t)]);
    expect(s.flush().written).toBe(1);
    expect(outbox.next(10).rows).toHaveLength(1);
    expect(s.integrityCheck()).toEqual(['ok']);
  });

  it('damaged pages inside a real database fail quick_check and are moved aside', () => {
    const dir = t.dir();
    const path = join(dir, DB_FILE_NAME);
    const s = t.open(dir);
    for (let i = 0; i < 20; i++) {
      s.append(
        Array.from({ length: 1000 }, (_, j) => sample(`m${j % 7}`, `p${j % 13}`, i * 1000 + j, i * 1000 + j)),
      );
      s.flush();
    }
    s.close();
    // Overwrite a run of pages in the middle of the file (not the header page).
    const fd = openSync(path, 'r+');
    writeSync(fd, Buffer.alloc(4096 * 8, 0xa5), 0, 4096 * 8, 4096 * 10);
    closeSync(fd);

    const again = t.open(dir);
    expect(again.recovered?.from).toBe(path);
    expect(again.recovered?.reason).toMatch(/quick_check|malformed|corrupt/i);
    expect(existsSync(again.recovered?.movedTo ?? '')).toBe(true);
    expect(again.stats().rawRows).toBe(0);
    expect(again.integrityCheck()).toEqual(['ok']);
  });

  it('a healthy file is not touched', () => {
    const dir = t.dir();
    t.open(dir).close();
    const again = t.open(dir);
    expect(again.recovered).toBeNull();
    expect(readdirSync(dir).filter((f) => f.includes('corrupt'))).toEqual([]);
  });
});
