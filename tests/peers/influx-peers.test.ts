/**
 * Proves the InfluxDB-side peers: InfluxDB 1.6.7 and VictoriaMetrics start on free ports,
 * answer, survive kill/restart (InfluxDB), and the fault sink's 400 answers are the ones the
 * real InfluxDB 1.6.7 gives for the same body.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFaultSink } from './fault-sink.js';
import { type InfluxdbServer, influxdbAvailable, startInfluxdb } from './influxdb.js';
import { requirePeer } from './require-peer.js';
import { startVictoria, type VictoriaServer, victoriaAvailable } from './victoria-metrics.js';

const hasInflux = requirePeer('influxdb', influxdbAvailable);
const hasVictoria = requirePeer('victoria-metrics', victoriaAvailable);

async function post(url: string, body: string): Promise<{ status: number; body: string }> {
  const res = await fetch(url, { method: 'POST', body, signal: AbortSignal.timeout(5000) });
  return { status: res.status, body: await res.text() };
}

describe.skipIf(!hasInflux)('InfluxDB 1.6.7 peer', () => {
  let influx: InfluxdbServer | undefined;
  beforeAll(async () => {
    influx = await startInfluxdb({ database: 'peer_test' });
  });
  afterAll(async () => {
    await influx?.close();
  });
  const peer = (): InfluxdbServer => {
    if (!influx) throw new Error('influxd did not start');
    return influx;
  };

  it('answers /ping with its version and has the database', async () => {
    const res = await fetch(`${peer().url}/ping`);
    expect(res.status).toBe(204);
    expect(res.headers.get('x-influxdb-version')).toMatch(/^1\.6\.7/);
    expect(await peer().client.getDatabaseNames()).toContain('peer_test');
  });

  it('keeps its data across kill and restart, on the same port', async () => {
    const write = `${peer().url}/write?db=peer_test&precision=ms`;
    expect((await post(write, 'm,t=a v=1 1000\nm,t=a v=2 2000\n')).status).toBe(204);
    const before = peer().pid;
    await peer().kill();
    await expect(fetch(`${peer().url}/ping`)).rejects.toThrow();
    await peer().restart();
    expect(peer().pid).not.toBe(before);
    const rows = await peer().query('SELECT v FROM m');
    expect(rows.map((r) => [r.time.getTime(), r.v])).toEqual([
      [1000, 1],
      [2000, 2],
    ]);
  });

  it('the fault sink answers a bad line exactly as 1.6.7 does', async () => {
    const fault = await startFaultSink();
    try {
      const body = 'm,t=b v=1 3000\nm,t=b v= 4000\nm,t=b v=3 5000\n';
      const real = await post(`${peer().url}/write?db=peer_test&precision=ms`, body);
      fault.queue({ kind: 'refuse-lines', lines: [1], reason: 'missing field value' });
      const fake = await post(`${fault.url}/write?db=peer_test&precision=ms`, body);
      expect(real).toEqual({
        status: 400,
        body: '{"error":"partial write: unable to parse \'m,t=b v= 4000\': missing field value dropped=0"}\n',
      });
      expect(fake.status).toBe(real.status);
      expect(JSON.parse(fake.body)).toEqual(JSON.parse(real.body));
      const rows = await peer().query(`SELECT v FROM m WHERE t = 'b'`);
      expect(rows.map((r) => r.v)).toEqual([1, 3]);
      expect(fault.accepted).toEqual(['m,t=b v=1 3000', 'm,t=b v=3 5000']);
    } finally {
      await fault.close();
    }
  });
});

describe.skipIf(!hasVictoria)('VictoriaMetrics peer', () => {
  let vm: VictoriaServer | undefined;
  beforeAll(async () => {
    vm = await startVictoria();
  });
  afterAll(async () => {
    await vm?.kill();
  });

  it('takes line protocol on /api/v2/write and exports it', async () => {
    if (!vm) throw new Error('victoria-metrics did not start');
    const res = await post(
      `${vm.url}/api/v2/write?org=o&bucket=b&precision=ms`,
      'cpu,host=a usage=1.5,up=true 1000\n',
    );
    expect(res.status).toBe(204);
    await vm.flush();
    const series = await vm.export('{__name__=~"cpu_.*"}');
    expect(series.sort((a, b) => a.metric.__name__.localeCompare(b.metric.__name__))).toEqual([
      { metric: { __name__: 'cpu_up', host: 'a' }, values: [1], timestamps: [1000] },
      { metric: { __name__: 'cpu_usage', host: 'a' }, values: [1.5], timestamps: [1000] },
    ]);
  });
});
