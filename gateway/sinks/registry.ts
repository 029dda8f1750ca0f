import type { SinkConfig } from '../../config/types.js';
import { createV1Writer, createV2Writer } from './influx/index.js';
import type { LineWriter } from './types.js';

/** Register, don't branch: one writer factory per sink type of the config. */
export const SINK_WRITERS: {
  [K in SinkConfig['type']]: (c: Extract<SinkConfig, { type: K }>) => LineWriter;
} = {
  'influxdb-v1': (c) =>
    createV1Writer({
      url: c.url,
      database: c.database,
      timeoutMs: c.timeoutMs,
      gzip: c.gzip,
      ...(c.retentionPolicy !== undefined ? { retentionPolicy: c.retentionPolicy } : {}),
      ...(c.username !== undefined ? { username: c.username } : {}),
      ...(c.password !== undefined ? { password: c.password } : {}),
    }),
  'influxdb-v2': (c) =>
    createV2Writer({
      url: c.url,
      bucket: c.bucket,
      timeoutMs: c.timeoutMs,
      gzip: c.gzip,
      ...(c.org !== undefined ? { org: c.org } : {}),
      ...(c.token !== undefined ? { token: c.token } : {}),
    }),
};

export function createWriter(c: SinkConfig): LineWriter {
  return (SINK_WRITERS[c.type] as (c: SinkConfig) => LineWriter)(c);
}
