import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { quietCodecDebug } from './mqtt-packet-debug.js';

interface Codec {
  parser(): {
    on(ev: 'packet', f: (p: { cmd: string; messageId?: number }) => void): void;
    parse(b: Buffer): void;
  };
  generate(packet: object): Buffer;
}
type CreateDebug = ((ns: string) => unknown) & { enable(ns: string): void; disable(): string; log: unknown };

describe('quietCodecDebug (this file runs in its own process: the codec is not loaded yet)', () => {
  it('loads the codec with no-op tracers, leaves `debug` itself as it was, and the codec works', () => {
    const req = createRequire(createRequire(import.meta.resolve('aedes')).resolve('mqtt-packet'));
    const realDebug = req('debug') as CreateDebug;
    expect(quietCodecDebug()).toBeGreaterThan(0);
    expect(quietCodecDebug()).toBe(0); // already loaded
    expect(req('debug')).toBe(realDebug);
    const codec = req('mqtt-packet') as Codec;
    // Tracing switched on now would print every packet with the real tracers: nothing is printed.
    const printed: unknown[] = [];
    const log = realDebug.log;
    realDebug.log = (...args: unknown[]) => printed.push(args);
    realDebug.enable('mqtt-packet:*,linegate:test');
    try {
      const got: { cmd: string; messageId?: number }[] = [];
      const p = codec.parser();
      p.on('packet', (x) => got.push(x));
      p.parse(codec.generate({ cmd: 'puback', messageId: 0x1234 }));
      expect(got).toMatchObject([{ cmd: 'puback', messageId: 0x1234 }]);
      expect(printed).toEqual([]);
      // Other namespaces still get the real debug.
      (realDebug('linegate:test') as (m: string) => void)('hello');
      expect(printed.length).toBe(1);
    } finally {
      realDebug.disable();
      realDebug.log = log;
    }
  });
});
