import { describe, expect, it } from 'vitest';
import { isLoopbackUrl, normaliseSinks } from './sinks.js';
import type { SinkInput } from './sinks-schema.js';

describe('sink gzip default', () => {
  it('knows loopback URLs', () => {
    for (const u of [
      'http://127.0.0.1:8086',
      'http://localhost:8086',
      'http://[::1]:8086',
      'http://127.1.2.3',
    ])
      expect(isLoopbackUrl(u), u).toBe(true);
    for (const u of [
      'http://10.0.0.5:8086',
      'https://influx.example.vn',
      'http://127.0.0.1.example.vn',
      'not a url',
    ])
      expect(isLoopbackUrl(u), u).toBe(false);
  });

  it('InfluxDB on this machine: plain; elsewhere gzip; a written gzip always wins', () => {
    const v1 = (url: string, gzip?: boolean) =>
      ({
        id: 'i',
        type: 'influxdb-v1',
        url,
        database: 'd',
        ...(gzip === undefined ? {} : { gzip }),
      }) as SinkInput;
    const gz = (s: SinkInput) => normaliseSinks([s], '/tmp')[0]?.gzip;
    expect(gz(v1('http://127.0.0.1:8086'))).toBe(false);
    expect(gz(v1('http://influx.local:8086'))).toBe(true);
    expect(gz(v1('http://127.0.0.1:8086', true))).toBe(true);
    expect(gz(v1('http://influx.local:8086', false))).toBe(false);
  });
});
