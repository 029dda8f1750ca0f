import { type Static, Type as T } from '@sinclair/typebox';
import { SinkCommon } from './sink-common-schema.js';

/**
 * A `sinks:` entry of type `mqtt-uplink`: the gateway publishes its outbox (samples, machine
 * state, alarms, production, other events) to a central broker, QoS 1, under
 * `{prefix}/{site}/{line}/{machine}/…`. Passwords come from the environment (`${UPLINK_PASSWORD}`).
 */
export const MqttUplinkSink = T.Object(
  {
    ...SinkCommon,
    type: T.Literal('mqtt-uplink'),
    url: T.String({ pattern: '^mqtts?://[^\\s]+$', description: 'mqtt://host:1883 or mqtts://host:8883' }),
    clientId: T.String({
      pattern: '^[A-Za-z0-9._-]{1,64}$',
      description: 'fixed and unique per gateway (a second connection with it drops the first)',
    }),
    username: T.Optional(T.String({ minLength: 1 })),
    password: T.Optional(
      T.String({
        minLength: 1,
        description: 'from the environment (an env reference), never the text itself',
      }),
    ),
    prefix: T.Optional(
      T.String({
        pattern: '^[^/+#\\u0000\\s$][^+#\\u0000\\s]*[^/+#\\u0000\\s]$|^[^/+#\\u0000\\s$]$',
        description:
          'first topic levels, e.g. "htx" or "coop/ha-giang"; no + # or spaces; default "linegate"',
      }),
    ),
    keepaliveSeconds: T.Optional(T.Integer({ minimum: 5, maximum: 3600 })),
    samplesPerMessage: T.Optional(
      T.Integer({ minimum: 1, maximum: 10000, description: 'telemetry samples of one machine per message' }),
    ),
    format: T.Optional(
      T.Union([T.Literal('json'), T.Literal('sparkplug-b')], {
        description:
          'json or sparkplug-b (json: {prefix}/{site}/{line}/{machine}/… topics, the default; sparkplug-b: spBv1.0 NBIRTH/DBIRTH/DDATA/NDEATH, one device per machine, alarms and production stay JSON)',
      }),
    ),
    sparkplug: T.Optional(
      T.Object(
        {
          groupId: T.Optional(
            T.String({
              pattern: '^[^/+#\\s]+$',
              description:
                'one topic level without / + # or spaces (the Sparkplug group id; default: the prefix, / → _)',
            }),
          ),
          edgeNodeId: T.Optional(
            T.String({
              pattern: '^[^/+#\\s]+$',
              description:
                'one topic level without / + # or spaces (the Sparkplug edge node id; default: the site id)',
            }),
          ),
          qos: T.Optional(
            T.Union([T.Literal(0), T.Literal(1)], {
              description:
                '0 or 1 (QoS of DDATA; default 1: a row leaves the outbox only after the PUBACK; Sparkplug 3.0 asks for 0, which can lose what is in flight when a connection drops)',
            }),
          ),
          historicalAfterS: T.Optional(
            T.Integer({
              minimum: 1,
              maximum: 86400,
              description:
                'values older than this when sent (a replayed backlog) are marked is_historical. Default 60',
            }),
          ),
        },
        { additionalProperties: false },
      ),
    ),
    tls: T.Optional(
      T.Object(
        {
          ca: T.Optional(
            T.String({ minLength: 1, description: 'PEM file of the CA that signed the broker' }),
          ),
          cert: T.Optional(T.String({ minLength: 1, description: 'PEM file of this gateway’s certificate' })),
          key: T.Optional(T.String({ minLength: 1, description: 'PEM file of this gateway’s private key' })),
          servername: T.Optional(T.String({ minLength: 1 })),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);
export type MqttUplinkSinkInput = Static<typeof MqttUplinkSink>;
