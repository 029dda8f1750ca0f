import { describe, expect, it } from 'vitest';
import { loadConfigText } from '../../config/load.js';
import type { SinkConfig } from '../../config/types.js';
import { createV2Writer } from './influx/v2-writer.js';
import { lazyWriter } from './lazy-writer.js';
import { UplinkWriter } from './mqtt-uplink/writer.js';
import { createWriter } from './registry.js';
import type { LineWriter } from './types.js';

const ctx = { site: 'htx', tagsFor: () => undefined };

function sinks(): readonly SinkConfig[] {
  return loadConfigText(
    `site: { id: htx, name: HTX }
lines: [{ id: l, name: L }]
machines: []
sinks:
  - { id: v2, type: influxdb-v2, url: "http://user:pw@influx.local:8086/base/", org: coop, bucket: tea, token: secret-token }
  - { id: up, type: mqtt-uplink, url: "mqtts://central.example:8883", clientId: gw-htx, username: u, password: p }
`,
    'plant.yaml',
    { env: {} },
  ).sinks;
}

describe('sink writers loaded on first write', () => {
  it('name the same target as the writers they load (no credentials)', () => {
    const [v2, up] = sinks();
    if (v2?.type !== 'influxdb-v2' || up?.type !== 'mqtt-uplink') throw new Error('config');
    const eager = createV2Writer({
      url: v2.url,
      bucket: v2.bucket,
      org: v2.org ?? '',
      token: v2.token ?? '',
    });
    expect(createWriter(v2, ctx).target).toBe(eager.target);
    expect(eager.target).not.toContain('secret-token');
    const uplink = new UplinkWriter({
      url: up.url,
      clientId: up.clientId,
      keepaliveSeconds: 30,
      timeoutMs: 1000,
      samplesPerMessage: 10,
      statusTopic: 's',
      tls: up.tls,
    });
    expect(createWriter(up, ctx).target).toBe(uplink.target);
  });

  it('a load that fails is a retry result, tried again on the next write; then writes go through', async () => {
    let loads = 0;
    const written: string[][] = [];
    const inner: LineWriter = {
      target: 't',
      write: async (lines) => {
        written.push([...lines]);
        return { ok: true };
      },
    };
    const w = lazyWriter('t', async () => {
      loads++;
      if (loads === 1) throw new Error('module missing');
      return inner;
    });
    const first = await w.write(['a']);
    expect(first).toMatchObject({ ok: false, kind: 'retry' });
    expect(first.ok ? '' : first.message).toContain('module missing');
    expect(await w.write(['b'])).toEqual({ ok: true });
    expect(await w.write(['c'])).toEqual({ ok: true });
    expect(loads).toBe(2);
    expect(written).toEqual([['b'], ['c']]);
  });

  it('close() before any write loads nothing; after one, closes the loaded writer', async () => {
    let loads = 0;
    let closed = 0;
    const make = () =>
      lazyWriter('t', async () => {
        loads++;
        return {
          target: 't',
          write: async () => ({ ok: true }) as const,
          close: async () => {
            closed++;
          },
        };
      });
    await make().close?.();
    expect(loads).toBe(0);
    const w = make();
    await w.write(['x']);
    await w.close?.();
    expect([loads, closed]).toEqual([1, 1]);
  });
});
