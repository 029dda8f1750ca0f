import { type Static, Type as T } from '@sinclair/typebox';
import { Id, MqttPointInput, MqttPointOverride, PayloadFormat } from './point-schema.js';
import { MACHINE_COMMON } from './profile-schema.js';

/**
 * The `mqtt:` section of plant.yaml (embedded broker, external brokers, payload hygiene) and the
 * MQTT machine. Passwords are never in the file in plain text: the broker keeps scrypt hashes
 * (`npx linegate mqtt-passwd`), external brokers take theirs from the environment (`${MQTT_PASSWORD}`).
 */

const Port = T.Integer({ minimum: 1, maximum: 65535 });

/** A topic filter in a grant: MQTT wildcards + and #, and {username} for the user's own name. */
export const TopicGrant = T.String({
  minLength: 1,
  maxLength: 256,
  pattern: '^[^\\u0000]+$',
  description: 'an MQTT topic filter (+ and # allowed; {username} is replaced by the user name)',
});

export const ScryptHash = T.String({
  pattern:
    '^scrypt\\$[0-9]{1,8}\\$[0-9]{1,3}\\$[0-9]{1,3}\\$[A-Za-z0-9+/]{16,88}={0,2}\\$[A-Za-z0-9+/]{43,88}={0,2}$',
  description: 'a hash made by `npx linegate mqtt-passwd`: scrypt$N$r$p$salt$hash (base64)',
});

export const BrokerUser = T.Object(
  {
    username: T.String({
      pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$',
      description: 'letters, digits, ., - and _; at most 64 characters',
    }),
    passwordHash: ScryptHash,
    publish: T.Optional(T.Array(TopicGrant, { description: 'topics this user may publish to' })),
    subscribe: T.Optional(T.Array(TopicGrant, { description: 'topic filters this user may subscribe to' })),
  },
  { additionalProperties: false },
);

export const BrokerLimits = T.Object(
  {
    maxPacketBytes: T.Optional(
      T.Integer({ minimum: 128, maximum: 16777216, description: 'a bigger packet closes the connection' }),
    ),
    maxConnections: T.Optional(T.Integer({ minimum: 1, maximum: 10000 })),
    connectTimeoutMs: T.Optional(
      T.Integer({ minimum: 100, maximum: 120000, description: 'time for a new connection to send CONNECT' }),
    ),
    maxClientIdLength: T.Optional(T.Integer({ minimum: 1, maximum: 65535 })),
    queueLimit: T.Optional(
      T.Integer({ minimum: 1, maximum: 10000, description: 'packets queued while a client authenticates' }),
    ),
    concurrency: T.Optional(
      T.Integer({ minimum: 1, maximum: 10000, description: 'messages in flight inside the broker' }),
    ),
    commitWindowMs: T.Optional(
      T.Integer({
        minimum: 0,
        maximum: 2000,
        description:
          'QoS 1 messages arriving within this time are committed together before their PUBACKs (fewer SD writes); default 200',
      }),
    ),
  },
  { additionalProperties: false },
);

export const EmbeddedBroker = T.Object(
  {
    enabled: T.Optional(T.Boolean()),
    host: T.Optional(T.String({ minLength: 1, description: 'listen address; 0.0.0.0 opens it to the LAN' })),
    port: T.Optional(Port),
    websocketPort: T.Optional(Port),
    users: T.Array(BrokerUser),
    limits: T.Optional(BrokerLimits),
  },
  { additionalProperties: false },
);

export const ExternalBroker = T.Object(
  {
    id: Id,
    url: T.String({ pattern: '^mqtts?://[^\\s]+$', description: 'mqtt://host:1883 or mqtts://host:8883' }),
    username: T.Optional(T.String({ minLength: 1 })),
    password: T.Optional(
      T.String({
        minLength: 1,
        description: 'from the environment (an env reference), never the text itself',
      }),
    ),
    clientId: T.String({
      pattern: '^[A-Za-z0-9._-]{1,64}$',
      description: 'fixed, so that the broker keeps the session while the gateway is away',
    }),
    clean: T.Optional(T.Boolean({ description: 'false keeps the session (messages queued while away)' })),
    qos: T.Optional(T.Union([T.Literal(0), T.Literal(1)])),
    protocolVersion: T.Optional(T.Union([T.Literal(4), T.Literal(5)], { description: '4 = MQTT 3.1.1, 5' })),
    sessionExpirySeconds: T.Optional(T.Integer({ minimum: 0, maximum: 4294967295 })),
    keepaliveSeconds: T.Optional(T.Integer({ minimum: 5, maximum: 3600 })),
    connectTimeoutMs: T.Optional(T.Integer({ minimum: 100, maximum: 120000 })),
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
    reconnect: T.Optional(
      T.Object(
        {
          baseMs: T.Optional(T.Integer({ minimum: 50, maximum: 600000 })),
          maxMs: T.Optional(T.Integer({ minimum: 50, maximum: 3600000 })),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);

export const PayloadHygiene = T.Object(
  {
    maxPayloadBytes: T.Optional(T.Integer({ minimum: 16, maximum: 16777216 })),
    maxDepth: T.Optional(T.Integer({ minimum: 1, maximum: 64 })),
    maxKeys: T.Optional(
      T.Integer({ minimum: 1, maximum: 100000, description: 'keys and items in one payload' }),
    ),
    futureToleranceMs: T.Optional(T.Integer({ minimum: 0, maximum: 86400000 })),
    maxAgeMs: T.Optional(T.Integer({ minimum: 1000, maximum: 31536000000 })),
    logIntervalMs: T.Optional(
      T.Integer({ minimum: 0, maximum: 3600000, description: 'at most one warning per reason per interval' }),
    ),
  },
  { additionalProperties: false },
);

export const MqttSection = T.Object(
  {
    broker: T.Optional(EmbeddedBroker),
    clients: T.Optional(T.Array(ExternalBroker)),
    payload: T.Optional(PayloadHygiene),
  },
  { additionalProperties: false },
);
export type MqttSectionInput = Static<typeof MqttSection>;

export const MqttConnection = T.Object(
  {
    type: T.Literal('mqtt'),
    source: T.String({
      pattern: '^[a-z0-9][a-z0-9_-]{0,62}$',
      description: '"broker" (the embedded broker) or the id of one of mqtt.clients',
    }),
    topic: T.String({
      minLength: 1,
      maxLength: 256,
      pattern: '^[^#+\\u0000]+$',
      description: 'a topic without wildcards; {site}, {line} and {machine} are filled in',
    }),
    offlineAfterMs: T.Optional(
      T.Integer({ minimum: 1000, maximum: 86400000, description: 'no message for this long = offline' }),
    ),
  },
  { additionalProperties: false },
);

export const MqttMachineInput = T.Object(
  {
    ...MACHINE_COMMON,
    connection: MqttConnection,
    payload: T.Optional(PayloadFormat),
    overrides: T.Optional(T.Record(T.String(), MqttPointOverride)),
    points: T.Optional(T.Array(MqttPointInput)),
  },
  { additionalProperties: false },
);
export type MqttMachineInput = Static<typeof MqttMachineInput>;
