/**
 * A real InfluxDB 1.6.7 for integration tests (Debian `influxdb`, `/usr/bin/influxd`), on free
 * loopback ports with its meta/data/wal dirs in a temp dir; nothing else is enabled (no
 * reporting, UDP, Graphite, collectd, monitor store, continuous queries).
 *
 * Calling rules: `await startInfluxdb()` in beforeAll, `await server.kill()` in afterAll (safe
 * when already dead; it also removes the temp dir). `kill()` + `restart()` in a test simulate an
 * outage: the data survives, the ports stay the same.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InfluxDB } from 'influx';
import { freePort } from './free-port.js';
import { killGroup, spawnPeer, tailOf } from './process-group.js';
import { hasCommand } from './require-peer.js';

const INFLUXD = '/usr/bin/influxd';
const STARTUP_TIMEOUT_MS = 20_000;

export type InfluxRow = Record<string, unknown> & { time: Date };

export interface InfluxdbServer {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  readonly port: number;
  /** Created at start through the HTTP API. */
  readonly database: string;
  readonly pid: number;
  /** InfluxQL through the `influx` package; `time` comes back as a Date (ms precision). */
  query(influxql: string): Promise<InfluxRow[]>;
  /** The `influx` client, for anything else. */
  readonly client: InfluxDB;
  /** Stops it (SIGTERM, then SIGKILL after 3 s); the data dir is kept for `restart()`. */
  kill(signal?: NodeJS.Signals): Promise<void>;
  /** Starts it again on the same ports and data. */
  restart(): Promise<void>;
  /** Stops it and removes its temp dir. */
  close(): Promise<void>;
}

export function influxdbAvailable(): boolean {
  return hasCommand(INFLUXD);
}

export interface InfluxdbOptions {
  /** Default `linegate`. */
  database?: string;
  /** Turns authentication on, with this admin user (created through the API at start). */
  admin?: { username: string; password: string };
}

export async function startInfluxdb(options: InfluxdbOptions = {}): Promise<InfluxdbServer> {
  const dir = mkdtempSync(join(tmpdir(), 'linegate-influxdb-'));
  const database = options.database ?? 'linegate';
  const [httpPort, rpcPort] = [await freePort(), await freePort()];
  const config = join(dir, 'influxdb.conf');
  writeFileSync(
    config,
    `reporting-disabled = true
bind-address = "127.0.0.1:${rpcPort}"
[meta]
  dir = "${dir}/meta"
  logging-enabled = false
[data]
  dir = "${dir}/data"
  wal-dir = "${dir}/wal"
  query-log-enabled = false
[monitor]
  store-enabled = false
[http]
  enabled = true
  bind-address = "127.0.0.1:${httpPort}"
  log-enabled = false
  pprof-enabled = false
  auth-enabled = ${options.admin ? 'true' : 'false'}
[continuous_queries]
  enabled = false
[subscriber]
  enabled = false
[logging]
  level = "warn"
  suppress-logo = true
`,
  );
  const url = `http://127.0.0.1:${httpPort}`;
  let child: ChildProcess | undefined;
  let tail: () => string = () => '';

  const launch = async (): Promise<void> => {
    child = spawnPeer(INFLUXD, ['run', '-config', config], { stdio: ['ignore', 'pipe', 'pipe'] });
    const out = tailOf(child.stdout);
    const err = tailOf(child.stderr);
    tail = () => `${out()}${err()}`;
    await waitForPing(child, url, () => tail());
  };

  await launch();
  const admin = options.admin;
  const client = new InfluxDB({
    host: '127.0.0.1',
    port: httpPort,
    database,
    ...(admin ? { username: admin.username, password: admin.password } : {}),
  });
  try {
    // With auth on, 1.x lets the first admin user be created without credentials.
    if (admin) await client.createUser(admin.username, admin.password, true);
    await client.createDatabase(database);
  } catch (error) {
    if (child) await killGroup(child, 'SIGKILL');
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }

  const stop = async (signal: NodeJS.Signals = 'SIGTERM'): Promise<void> => {
    if (child) await killGroup(child, signal);
  };

  return {
    url,
    port: httpPort,
    database,
    get pid() {
      return child?.pid ?? 0;
    },
    client,
    async query(influxql) {
      const rows = await client.query(influxql, { precision: 'ms' });
      return rows.map((row) => ({ ...(row as object) }) as InfluxRow);
    },
    kill: stop,
    async restart() {
      await stop();
      await launch();
    },
    async close() {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Polls `GET /ping` until 204 (≤ 20 s); fails early if influxd exits. */
async function waitForPing(child: ChildProcess, url: string, tail: () => string): Promise<void> {
  const deadline = Date.now() + STARTUP_TIMEOUT_MS;
  let last = '';
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`influxd exited (code ${child.exitCode}, signal ${child.signalCode}): ${tail()}`);
    }
    try {
      const res = await fetch(`${url}/ping`, { signal: AbortSignal.timeout(1000) });
      await res.arrayBuffer();
      if (res.status === 204) return;
      last = `HTTP ${res.status}`;
    } catch (error) {
      last = (error as Error).message;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  await killGroup(child, 'SIGKILL');
  throw new Error(`influxd did not answer /ping within ${STARTUP_TIMEOUT_MS} ms (${last}): ${tail()}`);
}
