import { PassThrough } from 'node:stream';
import { parser as mqttParser } from 'mqtt-packet';
import { describe, expect, it } from 'vitest';
import { PubackBatch } from './puback-batch.js';

/** A stream standing in for a broker connection: records each write (no server involved). */
function recorder() {
  const stream = new PassThrough();
  const writes: Buffer[] = [];
  stream.on('data', (d: Buffer) => writes.push(d));
  return { stream, writes };
}

function decode(buf: Buffer, protocolVersion: 4 | 5): { cmd: string; messageId?: number }[] {
  const out: { cmd: string; messageId?: number }[] = [];
  const p = mqttParser({ protocolVersion });
  p.on('packet', (x) => out.push({ cmd: x.cmd, messageId: (x as { messageId?: number }).messageId }));
  p.parse(buf);
  return out;
}

const tick = () => new Promise((r) => setImmediate(r));

describe('PubackBatch', () => {
  it.each([4, 5] as const)('MQTT %i: the PUBACKs of one tick leave in one write, in order', async (v) => {
    const { stream, writes } = recorder();
    const b = new PubackBatch(v, () => true);
    for (const id of [7, 1, 65535, 300]) b.add(stream, id);
    expect(writes).toEqual([]); // not before the end of the tick
    await tick();
    expect(writes.length).toBe(1);
    expect(decode(writes[0] as Buffer, v)).toEqual(
      [7, 1, 65535, 300].map((messageId) => ({ cmd: 'puback', messageId })),
    );
    b.add(stream, 8);
    await tick();
    expect(writes.length).toBe(2);
    expect(decode(writes[1] as Buffer, v)).toEqual([{ cmd: 'puback', messageId: 8 }]);
  });

  it('sends nothing to a connection that is no longer current or is closed', async () => {
    const { stream, writes } = recorder();
    let current = true;
    const b = new PubackBatch(4, () => current);
    b.add(stream, 1);
    current = false; // reconnected before the end of the tick: the broker will send the message again
    await tick();
    expect(writes).toEqual([]);
    current = true;
    b.add(stream, 2);
    stream.destroy();
    await tick();
    expect(writes).toEqual([]);
  });

  it('a PUBACK for a new connection sends what was gathered for the old one first', async () => {
    const a = recorder();
    const c = recorder();
    const b = new PubackBatch(4, () => true);
    b.add(a.stream, 1);
    b.add(a.stream, 2);
    b.add(c.stream, 3);
    await tick();
    expect(a.writes.map((w) => decode(w, 4))).toEqual([
      [
        { cmd: 'puback', messageId: 1 },
        { cmd: 'puback', messageId: 2 },
      ],
    ]);
    expect(c.writes.map((w) => decode(w, 4))).toEqual([[{ cmd: 'puback', messageId: 3 }]]);
  });
});
