import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../config/load.js';
import { type RunningGateway, startGateway } from '../../gateway/main.js';
import { hashPassword } from '../../gateway/sources/mqtt/index.js';
import { Store } from '../../gateway/store/index.js';
import { closeClients, connect, mqttMachine, publish, SITE } from '../helpers/mqtt.js';
import { freePort } from '../peers/free-port.js';

/**
 * Hot reload with the embedded broker: an MQTT machine is added; the broker restarts on its port,
 * and every message acknowledged before and after the reload is in the store.
 */
const PW = 'packer-secret-1';

describe('hot reload: MQTT machines', () => {
  const dir = mkdtempSync(join(tmpdir(), 'linegate-reload-mqtt-'));
  const file = join(dir, 'plant.yaml');
  let gw: RunningGateway | null = null;

  afterEach(async () => {
    await closeClients();
  });
  afterAll(async () => {
    await gw?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('adds an MQTT machine; every acknowledged message before and after is stored', async () => {
    const [mqttPort, httpPort] = [await freePort(), await freePort()];
    const write = (machines: string[]) =>
      writeFileSync(
        file,
        `${SITE}
mqtt:
  broker:
    port: ${mqttPort}
    users:
      - { username: packer, passwordHash: '${hashPassword(PW)}', publish: ['htx/pack/#'] }
machines:${machines.join('')}
http: { host: 127.0.0.1, port: ${httpPort} }
dashboard: { kiosk: true }   # anonymous reads below
dataDir: ${join(dir, 'data')}
`,
      );
    const a = mqttMachine('packer-a', 'broker', 'htx/{line}/{machine}/telemetry');
    const b = mqttMachine('packer-b', 'broker', 'htx/{line}/{machine}/telemetry');
    write([a]);
    const t0 = Date.now() - 1000;
    gw = await startGateway(loadConfig(file), pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }));
    const url = `mqtt://127.0.0.1:${mqttPort}`;
    const send = async (machine: string, from: number, to: number) => {
      const c = await connect(url, { username: 'packer', password: PW, clientId: `${machine}-${from}` });
      for (let n = from; n < to; n++)
        await publish(c, `htx/pack/${machine}/telemetry`, JSON.stringify({ temp: 20, count: n, run: true }));
      c.end(true);
    };
    await send('packer-a', 0, 10);
    write([a, b]);
    const r = await gw.reload('test');
    expect(r.changes).toMatchObject({ machinesAdded: ['packer-b'] });
    await send('packer-a', 10, 20);
    await send('packer-b', 0, 10);
    const machines = (await (await fetch(`http://127.0.0.1:${httpPort}/api/machines`)).json()) as {
      id: string;
      online: boolean | null;
    }[];
    expect(machines.map((m) => [m.id, m.online])).toEqual([
      ['packer-a', true],
      ['packer-b', true],
    ]);
    await gw.stop();
    gw = null;
    const store = Store.open({ dataDir: join(dir, 'data') });
    try {
      const counts = (m: string) =>
        store
          .history({ machine: m, point: 'count', from: t0, to: Date.now() + 1000, maxPoints: 100_000 })
          .points.map((p) => p.value);
      expect(counts('packer-a')).toEqual(Array.from({ length: 20 }, (_, n) => n));
      expect(counts('packer-b')).toEqual(Array.from({ length: 10 }, (_, n) => n));
    } finally {
      store.close();
    }
  });
});
