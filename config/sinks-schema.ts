import { type Static, Type as T } from '@sinclair/typebox';
import { MqttUplinkSink } from './mqtt-uplink-schema.js';
import { SinkCommon } from './sink-common-schema.js';
import { StoreRamSection } from './store-ram-schema.js';
import { StoreRawSection } from './store-raw-schema.js';

/** `store:` and `sinks:` of the site config: the local SQLite store and where it forwards to. */

export const StoreSection = T.Object(
  {
    rawRetentionDays: T.Optional(
      T.Number({ minimum: 0.01, maximum: 3650, description: 'days raw samples are kept on the Pi' }),
    ),
    maxSizeMb: T.Optional(
      T.Integer({ minimum: 16, maximum: 1_000_000, description: 'disk cap of the database, MB' }),
    ),
    flushIntervalMs: T.Optional(
      T.Integer({ minimum: 100, maximum: 60_000, description: 'how often buffered samples are committed' }),
    ),
    ackPersistS: T.Optional(
      T.Integer({
        minimum: 0,
        maximum: 3600,
        description:
          'write sink cursors every N s (0: at every ack); a crash resends up to N s of acked rows',
      }),
    ),
    raw: T.Optional(StoreRawSection),
    ramTier: T.Optional(StoreRamSection),
  },
  { additionalProperties: false },
);

export const InfluxV1Sink = T.Object(
  {
    ...SinkCommon,
    type: T.Literal('influxdb-v1'),
    url: T.String({ pattern: '^https?://', description: 'http:// or https:// URL of InfluxDB 1.x' }),
    database: T.String({ minLength: 1 }),
    retentionPolicy: T.Optional(T.String({ minLength: 1 })),
    username: T.Optional(T.String()),
    password: T.Optional(T.String()),
  },
  { additionalProperties: false },
);

export const InfluxV2Sink = T.Object(
  {
    ...SinkCommon,
    type: T.Literal('influxdb-v2'),
    url: T.String({
      pattern: '^https?://',
      description: 'http:// or https:// URL (InfluxDB 2.x/3.x/Cloud, 1.8+)',
    }),
    org: T.Optional(T.String()),
    bucket: T.String({ minLength: 1 }),
    token: T.Optional(T.String()),
  },
  { additionalProperties: false },
);

export const SinkInput = T.Union([InfluxV1Sink, InfluxV2Sink, MqttUplinkSink]);
export type SinkInput = Static<typeof SinkInput>;
export type StoreInput = Static<typeof StoreSection>;
