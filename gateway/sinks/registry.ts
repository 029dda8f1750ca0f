import type { SinkConfig } from '../../config/types.js';
import { disablePacketNumberCache } from '../runtime/mqtt-packet-numbers.js';
import { endpoint, publicTarget } from './influx/http-post.js';
import { createLineEncoder, type SeriesTags } from './influx/line-protocol.js';
import { createV1Writer } from './influx/v1-writer.js';
import { lazyWriter } from './lazy-writer.js';
import { createUplinkEncoder, gatewayTopic } from './mqtt-uplink/encode.js';
import { createSparkplugEncoder } from './mqtt-uplink/encode-sparkplug.js';
import type { LineWriter, RowEncoder } from './types.js';

/**
 * Register, don't branch: one writer factory per sink type of the config. Client libraries load
 * only for the sink types a config uses, on a writer's first write: the v2 writer
 * (@influxdata/influxdb-client), the uplink (mqtt.js); the v1 writer uses node:http alone.
 */
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
    lazyWriter(
      // The same target as createV2Writer's (gateway/sinks/lazy-writer.test.ts compares them).
      publicTarget(endpoint(c.url, '/api/v2/write', { org: c.org, bucket: c.bucket, precision: 'ms' })),
      async () =>
        (await import('./influx/v2-writer.js')).createV2Writer({
          url: c.url,
          bucket: c.bucket,
          timeoutMs: c.timeoutMs,
          gzip: c.gzip,
          ...(c.org !== undefined ? { org: c.org } : {}),
          ...(c.token !== undefined ? { token: c.token } : {}),
        }),
    ),
  'mqtt-uplink': (c, ctx) =>
    lazyWriter(
      uplinkTarget(c.url), // UplinkWriter's own target (compared in gateway/sinks/lazy-writer.test.ts)
      async () => {
        disablePacketNumberCache();
        return new (await import('./mqtt-uplink/writer.js')).UplinkWriter({
          url: c.url,
          clientId: c.clientId,
          keepaliveSeconds: c.keepaliveSeconds,
          timeoutMs: c.timeoutMs,
          samplesPerMessage: c.samplesPerMessage,
          statusTopic: gatewayTopic({ prefix: c.prefix, site: ctx.site }, 'status'),
          tls: c.tls,
          sparkplug:
            c.format === 'sparkplug-b'
              ? {
                  session: (await import('./mqtt-uplink/sparkplug.js')).sparkplugSessionFor(c, ctx.site),
                  qos: c.sparkplug.qos,
                }
              : null,
          ...(c.username !== undefined ? { username: c.username } : {}),
          ...(c.password !== undefined ? { password: c.password } : {}),
        });
      },
    ),
};

function uplinkTarget(url: string): string {
  const u = new URL(url);
  return `${u.protocol}//${u.host}`;
}

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
