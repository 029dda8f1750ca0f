import { spawnSync } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DB_FILE_NAME } from '../../gateway/store/database.js';
import { Store } from '../../gateway/store/index.js';
import { SITE } from '../helpers/acquisition.js';
import { CLI, type CliProcess, ROOT, spawnCli, waitForJson } from '../helpers/cli-gateway.js';
import { freePort } from '../peers/free-port.js';
import { type PymodbusServer, pymodbusAvailable, startPymodbus } from '../peers/pymodbus.js';
import { requirePeer } from '../peers/require-peer.js';

/**
 * `linegate backup` while the built CLI gateway writes (polls every 50 ms, commits every
 * 100 ms), `restore` refused while it runs, then restored into a fresh directory: every row of
 * the backup equals the original row with the same seq, the config comes back byte for byte,
 * and damaged backups are refused without touching anything.
 */
const ok = requirePeer('pymodbus', pymodbusAvailable);

const cli = (...args: string[]) =>
  spawnSync(process.execPath, [CLI, ...args], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });

type Row = Record<string, unknown>;
const rows = (file: string, sql: string): Row[] => {
  const db = new Database(file, { readonly: true });
  try {
    return db.prepare(sql).all() as Row[];
  } finally {
    db.close();
  }
};

describe.skipIf(!ok)('linegate backup / restore', () => {
  let modbus: PymodbusServer;
  let root: string;
  let configFile: string;
  let dataDir: string;
  let gw: CliProcess | null = null;
  const backup = () => join(root, 'b1.db');

  beforeAll(async () => {
    modbus = await startPymodbus({ transport: 'tcp', units: { 1: { holding: { 0: 100, 1: 7 } } } });
    root = mkdtempSync(join(tmpdir(), 'linegate-backup-'));
    dataDir = join(root, 'data');
    mkdirSync(join(root, 'etc', 'profiles'), { recursive: true });
    configFile = join(root, 'etc', 'plant.yaml');
    // A local profile folder (a shipped profile under another id), packed with the config.
    const profile = readFileSync(join(ROOT, 'devices', 'energy-meter-eastron-sdm120.yaml'), 'utf8');
    writeFileSync(
      join(root, 'etc', 'profiles', 'local-meter.yaml'),
      profile.replace(/^id: .*$/m, 'id: local-meter'),
    );
    const port = await freePort();
    writeFileSync(
      configFile,
      `${SITE}
profilesDirs: [profiles]
machines:
  - id: fryer-1
    name: Máy chiên 1
    kind: fryer
    line: line-1
    pollIntervalMs: 50
    connection: { type: tcp, host: 127.0.0.1, port: ${modbus.port}, unitId: 1, timeoutMs: 500 }
    points:
      - { name: oil, area: holding, address: 0, type: uint16 }
      - { name: count, area: holding, address: 1, type: uint16 }
store: { flushIntervalMs: 100 }
http: { host: 127.0.0.1, port: ${port} }
dataDir: ${dataDir}
`,
    );
    gw = spawnCli(['--config', configFile]);
    await waitForJson<{ store?: { rawRows: number } }>(
      `http://127.0.0.1:${port}/api/health`,
      (h) => (h.store?.rawRows ?? 0) > 100,
      gw,
    );
  });

  afterAll(async () => {
    gw?.kill();
    await modbus?.kill();
    if (root) rmSync(root, { recursive: true, force: true });
  });

  it('backs up while the gateway writes; restore is refused while it runs', () => {
    const r = cli('backup', backup(), '--config', configFile);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(
      /raw samples, \d+ bytes, integrity ok; config: plant\.yaml, profiles\/local-meter\.yaml/,
    );
    expect(existsSync(`${backup()}.partial`)).toBe(false);

    const again = cli('backup', backup(), '--config', configFile);
    expect(again.status).toBe(1);
    expect(again.stderr).toMatch(/^LG_BACKUP_TARGET: .*exists/);

    const before = readFileSync(join(dataDir, DB_FILE_NAME));
    const refused = cli('restore', backup(), '--config', configFile);
    expect(refused.status).toBe(1);
    expect(refused.stderr).toMatch(/^LG_DATA_DIR_LOCKED: .* is in use by a running linegate \(pid \d+/);
    expect(readdirSync(dataDir).some((f) => f.includes('before-restore'))).toBe(false);
    expect(readFileSync(join(dataDir, DB_FILE_NAME)).length).toBeGreaterThanOrEqual(before.length);
  });

  it('restores into a fresh directory: rows and config identical', async () => {
    gw?.child.kill('SIGTERM');
    expect(await gw?.exited(20_000)).toBe(0);
    const target = join(root, 'restored');
    const cfgOut = join(root, 'etc-restored');
    const r = cli('restore', backup(), '--data-dir', target, '--config-out', cfgOut);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/restored from .* integrity ok/);
    expect(readFileSync(join(cfgOut, 'plant.yaml'))).toEqual(readFileSync(configFile));
    expect(readFileSync(join(cfgOut, 'profiles', 'local-meter.yaml'))).toEqual(
      readFileSync(join(root, 'etc', 'profiles', 'local-meter.yaml')),
    );

    const restoredDb = join(target, DB_FILE_NAME);
    const originalDb = join(dataDir, DB_FILE_NAME);
    const restored = rows(restoredDb, 'SELECT seq, ts, series, value, flags FROM sample ORDER BY seq');
    const original = new Map(
      rows(originalDb, 'SELECT seq, ts, series, value, flags FROM sample ORDER BY seq').map((x) => [
        x.seq,
        x,
      ]),
    );
    expect(restored.length).toBeGreaterThan(100);
    for (const row of restored) expect(original.get(row.seq), `seq ${row.seq}`).toEqual(row);
    // The backup is a snapshot: a prefix of what the gateway wrote, with no gap.
    const seqs = restored.map((x) => Number(x.seq));
    const all = [...original.keys()].map(Number);
    expect(all.slice(0, seqs.length)).toEqual(seqs);
    expect(rows(restoredDb, 'SELECT * FROM series ORDER BY id')).toEqual(
      rows(originalDb, 'SELECT * FROM series ORDER BY id'),
    );
    expect(rows(restoredDb, "SELECT name FROM sqlite_master WHERE name LIKE 'linegate_backup%'")).toEqual([]);
    expect(rows(restoredDb, 'PRAGMA integrity_check')).toEqual([{ integrity_check: 'ok' }]);
    // The gateway's store opens it as its own.
    const store = Store.open({ dataDir: target });
    expect(store.recovered).toBeNull();
    expect(store.stats().rawRows).toBe(restored.length);
    store.close();

    // Restoring over an existing database keeps the old one aside.
    const again = cli('restore', backup(), '--data-dir', target);
    expect(again.status).toBe(0);
    expect(again.stdout).toMatch(/previous database was kept as .*before-restore-/);
    expect(readdirSync(target).filter((f) => f.includes('before-restore')).length).toBeGreaterThanOrEqual(1);
  });

  it('refuses a damaged backup or an altered config copy and changes nothing', () => {
    const target = join(root, 'untouched');
    // Bytes overwritten in the middle of the file.
    const torn = join(root, 'torn.db');
    const buf = readFileSync(backup());
    buf.fill(0xa5, Math.floor(buf.length / 3), Math.floor(buf.length / 3) + 8192);
    writeFileSync(torn, buf);
    const r1 = cli('restore', torn, '--data-dir', target);
    expect(r1.status).toBe(1);
    expect(r1.stderr).toMatch(/^LG_BACKUP_INVALID: /);
    // A config copy changed after the backup.
    const altered = join(root, 'altered.db');
    copyFileSync(backup(), altered);
    const db = new Database(altered);
    db.prepare("UPDATE linegate_backup_file SET content = ? WHERE name = 'plant.yaml'").run(
      Buffer.from('site: {}\n'),
    );
    db.close();
    const r2 = cli('restore', altered, '--data-dir', target);
    expect(r2.status).toBe(1);
    expect(r2.stderr).toMatch(/^LG_BACKUP_INVALID: .*plant\.yaml does not match its checksum/);
    // Not a backup at all.
    const r3 = cli('restore', configFile, '--data-dir', target);
    expect(r3.status).toBe(1);
    expect(r3.stderr).toMatch(/^LG_BACKUP_INVALID: /);
    expect(existsSync(join(target, DB_FILE_NAME))).toBe(false);
  });

  it('--help and usage errors', () => {
    const h = cli('backup', '--help');
    expect(h.status).toBe(0);
    expect(h.stdout).toContain('online backup API');
    expect(cli('backup', 'x.db').status).toBe(2);
    expect(cli('restore').status).toBe(2);
    expect(cli('--help').stdout).toContain('linegate restore FILE');
  });
});
