import type { SinkConfig } from '../../config/types.js';
import { createLineEncoder, createV1Writer, createV2Writer, type SeriesTags } from './influx/index.js';
import {
  createSparkplugEncoder,
  createUplinkEncoder,
  gatewayTopic,
  sparkplugSessionFor,
  UplinkWriter,
} from './mqtt-uplink/index.js';
import type { LineWriter, RowEncoder } from './types.js';

/** Register, don't branch: one writer factory per sink type of the config. */
export const SINK_WRITERS: {
  [K in SinkConfig['type']]: (c: Extract<SinkConfig, { type: K }>, ctx: EncoderContext) => LineWriter;
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
  'mqtt-uplink': (c, ctx) =>
    new UplinkWriter({
      url: c.url,
      clientId: c.clientId,
      keepaliveSeconds: c.keepaliveSeconds,
      timeoutMs: c.timeoutMs,
      samplesPerMessage: c.samplesPerMessage,
      statusTopic: gatewayTopic({ prefix: c.prefix, site: ctx.site }, 'status'),
      tls: c.tls,
      sparkplug:
        c.format === 'sparkplug-b'
          ? { session: sparkplugSessionFor(c, ctx.site), qos: c.sparkplug.qos }
          : null,
      ...(c.username !== undefined ? { username: c.username } : {}),
      ...(c.password !== undefined ? { password: c.password } : {}),
    }),
};

/**
 * Requests in flight per sink type (RunningSink `maxInFlight`): InfluxDB takes the next batch
 * of a backlog while it answers one (acks stay in order); the uplink publishes one at a time.
 */
export const SINK_MAX_IN_FLIGHT: { readonly [K in SinkConfig['type']]: 1 | 2 } = {
  'influxdb-v1': 2,
  'influxdb-v2': 2,
  'mqtt-uplink': 1,
};

/** What an encoder may know of the config: the site and a point's tags. */
export interface EncoderContext {
  readonly site: string;
  readonly tagsFor: (machine: string, point: string) => SeriesTags | undefined;
}

/** One row encoder factory per sink type (the InfluxDB types share line protocol). */
export const SINK_ENCODERS: {
  [K in SinkConfig['type']]: (c: Extract<SinkConfig, { type: K }>, ctx: EncoderContext) => RowEncoder;
} = {
  'influxdb-v1': (_c, ctx) => createLineEncoder({ tagsFor: ctx.tagsFor }),
  'influxdb-v2': (_c, ctx) => createLineEncoder({ tagsFor: ctx.tagsFor }),
  'mqtt-uplink': (c, ctx) =>
    (c.format === 'sparkplug-b' ? createSparkplugEncoder : createUplinkEncoder)({
      prefix: c.prefix,
      site: ctx.site,
      seriesOf: ctx.tagsFor,
    }),
};

export function createEncoder(c: SinkConfig, ctx: EncoderContext): RowEncoder {
  return (SINK_ENCODERS[c.type] as (c: SinkConfig, ctx: EncoderContext) => RowEncoder)(c, ctx);
}

export function createWriter(c: SinkConfig, ctx: EncoderContext): LineWriter {
  return (SINK_WRITERS[c.type] as (c: SinkConfig, ctx: EncoderContext) => LineWriter)(c, ctx);
}
