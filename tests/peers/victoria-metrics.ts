/**
 * A real VictoriaMetrics for integration tests of the InfluxDB v2 write API (Debian
 * `victoria-metrics`, `/usr/bin/victoria-metrics`, single-node), on a free loopback port with
 * its storage in a temp dir. It accepts line protocol on `/write` and `/api/v2/write` and names
 * each series `<measurement>_<field>` with the tags as labels; it keeps numbers and booleans
 * (as 1/0) and stores string fields as 0.
 *
 * Calling rules: `await startVictoria()` in beforeAll, `await vm.kill()` in afterAll (safe
 * when already dead; it also removes the temp dir). Call `flush()` before `export()` so that
 * recent writes are visible.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './free-port.js';
import { killGroup, spawnPeer, tailOf } from './process-group.js';
import { hasCommand } from './require-peer.js';

const BINARY = '/usr/bin/victoria-metrics';
const STARTUP_TIMEOUT_MS = 20_000;
const REQUEST_TIMEOUT_MS = 10_000;

/** One line of `/api/v1/export`. */
export interface VmSeries {
  readonly metric: Readonly<Record<string, string>> & { readonly __name__: string };
  readonly values: readonly number[];
  readonly timestamps: readonly number[];
}

export interface VictoriaServer {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  readonly port: number;
  /** Every series matching a series selector, e.g. `{__name__=~"telemetry_.*"}`. */
  export(match: string): Promise<VmSeries[]>;
  /** `GET /internal/force_flush`: makes the latest writes visible to export and queries. */
  flush(): Promise<void>;
  /** Its own metrics (`/metrics`), e.g. to read `vm_rows_invalid_total`. */
  metrics(): Promise<string>;
  kill(): Promise<void>;
}

export function victoriaAvailable(): boolean {
  return hasCommand(BINARY);
}

export async function startVictoria(): Promise<VictoriaServer> {
  const dir = mkdtempSync(join(tmpdir(), 'linegate-victoria-'));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child = spawnPeer(
    BINARY,
    [
      `-httpListenAddr=127.0.0.1:${port}`,
      `-storageDataPath=${join(dir, 'data')}`,
      '-retentionPeriod=100y',
      '-loggerLevel=ERROR',
      // Without it a fresh series may take a while to show up in export.
      '-search.disableCache',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const out = tailOf(child.stdout);
  const err = tailOf(child.stderr);
  const tail = () => `${out()}${err()}`;
  const kill = async (): Promise<void> => {
    await killGroup(child, 'SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitForHealth(child, url, tail);
  } catch (error) {
    await kill();
    throw error;
  }

  const get = async (path: string, init: RequestInit = {}): Promise<string> => {
    const res = await fetch(`${url}${path}`, { ...init, signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
    const text = await res.text();
    if (!res.ok) throw new Error(`VictoriaMetrics ${path}: HTTP ${res.status}: ${text}`);
    return text;
  };

  return {
    url,
    port,
    async export(match) {
      const text = await get('/api/v1/export', {
        method: 'POST',
        body: new URLSearchParams({ 'match[]': match }),
      });
      return text
        .split('\n')
        .filter((line) => line.trim() !== '')
        .map((line) => JSON.parse(line) as VmSeries);
    },
    async flush() {
      await get('/internal/force_flush');
    },
    metrics: () => get('/metrics'),
    kill,
  };
}

async function waitForHealth(child: ChildProcess, url: string, tail: () => string): Promise<void> {
  const deadline = Date.now() + STARTUP_TIMEOUT_MS;
  let last = '';
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(
        `victoria-metrics exited (code ${child.exitCode}, signal ${child.signalCode}): ${tail()}`,
      );
    }
    try {
      const res = await fetch(`${url}/health`, { signal: AbortSignal.timeout(1000) });
      const text = await res.text();
      if (res.status === 200 && text.trim() === 'OK') return;
      last = `HTTP ${res.status} ${text}`;
    } catch (error) {
      last = (error as Error).message;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(
    `victoria-metrics did not get healthy within ${STARTUP_TIMEOUT_MS} ms (${last}): ${tail()}`,
  );
}
