import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../config/load.js';
import { type RunningGateway, startGateway } from '../../gateway/main.js';
import { hashPassword } from '../../gateway/sources/mqtt/index.js';
import { closeClients, connect, mqttMachine, publish } from '../helpers/mqtt.js';
import { freePort } from '../peers/free-port.js';
import { requirePeer } from '../peers/require-peer.js';
import { startVictoria, type VictoriaServer, victoriaAvailable } from '../peers/victoria-metrics.js';

/**
 * The multi-site layout (docs/multi-site.md), InfluxDB half: three gateways with different site
 * ids, the SAME machine ids, writing through the InfluxDB v2 API into one central database
 * (VictoriaMetrics' /api/v2/write). One gateway cannot reach the central database for a while
 * (its sink URL points at a closed port, then a hot reload fixes it): the others deliver all the
 * while, and afterwards every site has exactly its own values, none lost, none mixed.
 */
const ok = requirePeer('victoria-metrics', victoriaAvailable);
const PW = 'site-device-secret';
const N = 20;

interface Site {
  id: string;
  dir: string;
  file: string;
  mqttPort: number;
  gw: RunningGateway | null;
}

describe.skipIf(!ok)('multi-site: three gateways into one central InfluxDB (v2 API)', () => {
  let vm: VictoriaServer;
  const sites: Site[] = [];
  let closed: number;

  const write = (s: Site, url: string) =>
    writeFileSync(
      s.file,
      `site: { id: ${s.id}, name: Xưởng ${s.id} }
lines: [{ id: pack, name: Đóng gói }]
mqtt:
  broker:
    port: ${s.mqttPort}
    users: [{ username: dev, passwordHash: '${hashPassword(PW)}', publish: ['htx/#'] }]
machines:${mqttMachine('packer-1', 'broker', 'htx/{line}/{machine}/telemetry', '    payload: { timestamp: { path: ts, format: unix_ms } }')}
sinks:
  - { id: central, type: influxdb-v2, url: "${url}", org: coop, bucket: plants, timeoutMs: 1000 }
store: { flushIntervalMs: 200 }
http: { host: 127.0.0.1, port: 0 }
dataDir: ${join(s.dir, 'data')}
`,
    );

  /** Site k's values are 1000·k + n, at ts t0 + n·1000: a value in the wrong site shows. */
  const send = async (s: Site, k: number, from: number, to: number, t0: number) => {
    const c = await connect(`mqtt://127.0.0.1:${s.mqttPort}`, {
      username: 'dev',
      password: PW,
      clientId: `${s.id}-${from}`,
    });
    for (let n = from; n < to; n++)
      await publish(
        c,
        'htx/pack/packer-1/telemetry',
        JSON.stringify({ ts: t0 + n * 1000, temp: 20, count: 1000 * k + n, run: true }),
      );
    c.end(true);
  };

  const exported = async (site: string) => {
    await vm.flush();
    const series = await vm.export(
      `{__name__="telemetry_value",site="${site}",machine="packer-1",point="count"}`,
    );
    return series.flatMap((x) => [...x.values]).sort((a, b) => a - b);
  };

  beforeAll(async () => {
    vm = await startVictoria();
    closed = await freePort();
    for (const id of ['hanoi', 'hue', 'cantho']) {
      const dir = mkdtempSync(join(tmpdir(), `linegate-site-${id}-`));
      sites.push({ id, dir, file: join(dir, 'plant.yaml'), mqttPort: await freePort(), gw: null });
    }
  });

  afterAll(async () => {
    await closeClients();
    for (const s of sites) {
      await s.gw?.stop();
      rmSync(s.dir, { recursive: true, force: true });
    }
    await vm?.kill();
  });

  it('keeps every site apart and loses nothing while one site cannot reach the central database', async () => {
    const log = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
    const t0 = Date.now() - 3_600_000;
    const [a, b, c] = sites as [Site, Site, Site];
    write(a, vm.url);
    write(b, `http://127.0.0.1:${closed}`); // hue's uplink is down
    write(c, vm.url);
    for (const s of sites) s.gw = await startGateway(loadConfig(s.file), log);
    await Promise.all(sites.map((s, k) => send(s, k + 1, 0, N, t0)));
    // The two reachable sites deliver everything although hue's sink keeps failing.
    const want = (k: number, n: number) => Array.from({ length: n }, (_, i) => 1000 * k + i);
    for (let i = 0; i < 60; i++) {
      if ((await exported('hanoi')).length >= N && (await exported('cantho')).length >= N) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    expect(await exported('hanoi')).toEqual(want(1, N));
    expect(await exported('cantho')).toEqual(want(3, N));
    expect(await exported('hue')).toEqual([]);
    const hueHealth = (await (await fetch(`${b.gw?.url}/api/health`)).json()) as {
      sinks: { queueDepth: number; state: string }[];
    };
    expect(hueHealth.sinks[0]?.queueDepth).toBeGreaterThanOrEqual(N);

    // hue's uplink comes back (config fixed, hot reload): its backlog arrives, in its own site.
    await send(b, 2, N, 2 * N, t0);
    write(b, vm.url);
    expect((await b.gw?.reload('test'))?.changes?.sinksChanged).toEqual(['central']);
    for (let i = 0; i < 80 && (await exported('hue')).length < 2 * N; i++)
      await new Promise((r) => setTimeout(r, 250));
    expect(await exported('hue')).toEqual(want(2, 2 * N));
    expect(await exported('hanoi')).toEqual(want(1, N));
    expect(await exported('cantho')).toEqual(want(3, N));
    // Every series carries its site: nothing without one, no other site ids.
    await vm.flush();
    const all = await vm.export('{__name__=~"telemetry_.*"}');
    expect(new Set(all.map((x) => x.metric.site))).toEqual(new Set(['hanoi', 'hue', 'cantho']));
  }, 90_000);
});
