import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { disablePacketNumberCache } from './mqtt-packet-numbers.js';

interface Codec {
  writeToStream: { cacheNumbers: boolean };
  generate(packet: object): Buffer;
}

describe('disablePacketNumberCache', () => {
  it('switches off the number cache of the codec aedes and mqtt.js use; packets encode the same', () => {
    const codecs = ['aedes', 'mqtt'].map(
      (d) => createRequire(import.meta.resolve(d))('mqtt-packet') as Codec,
    );
    const before = codecs.map((c) => c.generate({ cmd: 'puback', messageId: 0x1234 }));
    disablePacketNumberCache();
    for (const c of codecs) expect(c.writeToStream.cacheNumbers).toBe(false);
    const after = codecs.map((c) => c.generate({ cmd: 'puback', messageId: 0x1234 }));
    expect(after).toEqual(before);
    expect([...(after[0] ?? [])]).toEqual([0x40, 0x02, 0x12, 0x34]);
    const pub = (codecs[0] as Codec).generate({
      cmd: 'publish',
      topic: 'a/b',
      payload: Buffer.from('{}'),
      qos: 1,
      messageId: 65535,
      retain: false,
      dup: false,
    });
    expect([...pub]).toEqual([0x32, 9, 0, 3, 0x61, 0x2f, 0x62, 0xff, 0xff, 0x7b, 0x7d]);
  });
});
