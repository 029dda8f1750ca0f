/**
 * The durability contract of the embedded broker, end to end with the built gateway (dist/, as
 * users run it) and its real local store: a QoS 1 message that got its PUBACK is in the SQLite
 * file even when the gateway is killed with SIGKILL right after that PUBACK. With the RAM tier
 * (store.ramTier) the row may be in the RAM file (tmpfs outlives the process), read back through
 * the store's view over both tiers.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashPassword } from '../gateway/sources/mqtt/password.js';
import { Store } from '../gateway/store/store.js';
import { closeClients, connect, mqttMachine, SITE, waitFor } from './helpers/mqtt.js';
import { freePort } from './peers/free-port.js';

const root = join(import.meta.dirname, '..');
const cli = join(root, 'dist', 'gateway', 'cli.js');
if (!existsSync(cli)) throw new Error(`${cli} is missing: run npm run build first (npm test does)`);

const PW = 'kill-nine-secret';

const MODES = [
  { mode: 'card only', ram: false },
  { mode: 'RAM tier', ram: true },
] as const;

describe.each(MODES)('kill -9 right after PUBACK ($mode)', ({ ram }) => {
  let dir: string;
  let child: ChildProcess | null = null;
  let out = '';

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'linegate-kill9-'));
  });

  afterAll(async () => {
    await closeClients();
    if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  it('loses no acknowledged message (SQLite store, SIGKILL at the 300th PUBACK)', async () => {
    const mqttPort = await freePort();
    const httpPort = await freePort();
    const config = join(dir, 'plant.yaml');
    const ramTier = { dir: join(dir, 'ram'), spillAfterMs: 30_000, keepMs: 900_000, maxBytes: 64 << 20 };
    writeFileSync(
      config,
      `${SITE}
mqtt:
  broker:
    port: ${mqttPort}
    users:
      - { username: packer-k, passwordHash: '${hashPassword(PW)}', publish: ['htx/pack/packer-k/#'] }
machines:
${mqttMachine('packer-k', 'broker', 'htx/{line}/{machine}/telemetry')}
http: { port: ${httpPort} }
dataDir: ${join(dir, 'data')}
${ram ? `store: { ramTier: { dir: ${ramTier.dir} } }` : ''}
log: { level: warn }
`,
    );
    child = spawn(process.execPath, [cli, '--config', config], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout?.on('data', (d) => {
      out += d;
    });
    child.stderr?.on('data', (d) => {
      out += d;
    });
    const url = `mqtt://127.0.0.1:${mqttPort}`;
    // One attempt at a time (two clients with one id would take each other's session over).
    let client: Awaited<ReturnType<typeof connect>> | null = null;
    const t0 = Date.now();
    while (!client) {
      if (Date.now() - t0 > 15_000) throw new Error(`gateway broker not up: ${out}`);
      client = await connect(url, { username: 'packer-k', password: PW, clientId: 'esp32-k' }).catch(
        async () => {
          await new Promise((r) => setTimeout(r, 100));
          return null;
        },
      );
    }
    const acked: number[] = [];
    const proc = child;
    let killed = false;
    // 50 in flight at a time; SIGKILL from inside the 300th PUBACK callback.
    await new Promise<void>((resolve) => {
      let sent = 0;
      const pump = () => {
        while (!killed && sent < 2000 && sent - acked.length < 50) {
          const n = sent++;
          client.publish(
            'htx/pack/packer-k/telemetry',
            JSON.stringify({ temp: 21.5, count: n, run: true }),
            { qos: 1 },
            (err) => {
              if (err || killed) return;
              acked.push(n);
              if (acked.length === 300) {
                killed = true;
                proc.kill('SIGKILL');
                resolve();
                return;
              }
              pump();
            },
          );
        }
      };
      pump();
    });
    await waitFor(() => proc.signalCode !== null, 5000, 'gateway killed');
    expect(proc.signalCode).toBe('SIGKILL');

    const store = Store.open({ dataDir: join(dir, 'data'), ...(ram ? { ramTier } : {}) });
    if (ram) expect(store.db.prepare('SELECT count(*) FROM ram.sample').pluck().get()).toBeGreaterThan(0);
    const stored = new Set(
      (
        store.db
          .prepare(
            "SELECT s.value AS v FROM sample s JOIN series r ON r.id = s.series WHERE r.machine = 'packer-k' AND r.point = 'count'",
          )
          .all() as { v: number }[]
      ).map((r) => r.v),
    );
    store.close();
    expect(stored.size).toBeGreaterThanOrEqual(acked.length);
    const missing = acked.filter((n) => !stored.has(n));
    expect(missing, `acknowledged but not stored (of ${acked.length})`).toEqual([]);
  });
});
