import fc from 'fast-check';
import mqttPacket from 'mqtt-packet';
import { describe, expect, it } from 'vitest';
import { PacketSizeGuard } from './packet-guard.js';

describe('PacketSizeGuard', () => {
  it('lets packets up to the limit through, split anywhere (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.string({ maxLength: 300 }), { minLength: 1, maxLength: 20 }),
        fc.array(fc.integer({ min: 1, max: 50 }), { minLength: 1, maxLength: 10 }),
        (payloads, cuts) => {
          const packets = payloads.map((p) =>
            mqttPacket.generate({
              cmd: 'publish',
              topic: 't/x',
              payload: p,
              qos: 0,
              retain: false,
              dup: false,
            }),
          );
          const max = Math.max(...packets.map((p) => p.length));
          const bytes = Buffer.concat(packets);
          const g = new PacketSizeGuard(max);
          let at = 0;
          for (let k = 0; at < bytes.length; k++) {
            const n = cuts[k % cuts.length] as number;
            expect(g.feed(bytes.subarray(at, at + n)).ok).toBe(true);
            at += n;
          }
          const tight = new PacketSizeGuard(max - 1);
          expect(tight.feed(bytes).ok).toBe(false);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('refuses a 200 MB length on its header bytes and a 5-byte length', () => {
    expect(new PacketSizeGuard(65536).feed(Buffer.from([0x30, 0xff, 0xff, 0xff, 0x7f]))).toMatchObject({
      ok: false,
    });
    expect(new PacketSizeGuard(65536).feed(Buffer.from([0x30, 0x80, 0x80, 0x80, 0x80, 0x01]))).toMatchObject({
      ok: false,
      reason: 'remaining length longer than 4 bytes',
    });
  });
});
