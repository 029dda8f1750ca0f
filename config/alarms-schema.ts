import { type Static, Type as T } from '@sinclair/typebox';
import { AlarmRuleInput } from './alarm-rule-schema.js';
import { Id } from './point-schema.js';

/** The site config's `alarms:` section: rules per machine, channels, routing. docs/alarms.md. */

const Clock = T.String({ pattern: '^([01][0-9]|2[0-3]):[0-5][0-9]$', description: 'HH:MM, site time' });
const Severity = T.Integer({ minimum: 1, maximum: 4 });
const Language = T.Union([T.Literal('vi'), T.Literal('en')]);

const ChannelCommon = {
  id: Id,
  language: T.Optional(Language),
  enabled: T.Optional(T.Boolean()),
  maxPerHour: T.Optional(
    T.Integer({ minimum: 1, maximum: 10000, description: 'messages per hour; more become one summary' }),
  ),
};

export const TelegramChannel = T.Object(
  {
    ...ChannelCommon,
    type: T.Literal('telegram'),
    botToken: T.String({
      minLength: 1,
      description: 'the bot token; put it in the environment, e.g. TELEGRAM_BOT_TOKEN',
    }),
    chatId: T.Union([T.String({ minLength: 1 }), T.Integer()]),
    baseUrl: T.Optional(T.String({ minLength: 1, description: 'default https://api.telegram.org' })),
  },
  { additionalProperties: false },
);

export const EmailChannel = T.Object(
  {
    ...ChannelCommon,
    type: T.Literal('email'),
    host: T.String({ minLength: 1 }),
    port: T.Optional(T.Integer({ minimum: 1, maximum: 65535 })),
    secure: T.Optional(T.Boolean({ description: 'TLS from the start (port 465); else STARTTLS if offered' })),
    username: T.Optional(T.String()),
    password: T.Optional(T.String()),
    from: T.String({ minLength: 3 }),
    to: T.Array(T.String({ minLength: 3 }), { minItems: 1 }),
  },
  { additionalProperties: false },
);

export const WebhookChannel = T.Object(
  {
    ...ChannelCommon,
    type: T.Literal('webhook'),
    url: T.String({ pattern: '^https?://' }),
    secret: T.String({
      minLength: 16,
      description: 'HMAC-SHA256 key; put it in the environment, e.g. WEBHOOK_SECRET',
    }),
  },
  { additionalProperties: false },
);

export const MqttChannel = T.Object(
  {
    ...ChannelCommon,
    type: T.Literal('mqtt'),
    url: T.String({ pattern: '^(mqtts?|wss?|tcp)://' }),
    topic: T.String({ minLength: 1, description: 'may use {site} {line} {machine}' }),
    username: T.Optional(T.String()),
    password: T.Optional(T.String()),
  },
  { additionalProperties: false },
);

export const ChannelInput = T.Union([TelegramChannel, EmailChannel, WebhookChannel, MqttChannel], {
  'x-discriminator': ['type'],
});

export const RouteInput = T.Object(
  {
    channels: T.Array(Id, { minItems: 1 }),
    maxSeverity: T.Optional(
      T.Integer({
        minimum: 1,
        maximum: 4,
        description: 'alarms of this severity or more urgent (1 = critical)',
      }),
    ),
    lines: T.Optional(T.Array(Id, { description: 'only these lines (default: all)' })),
    notifyReturn: T.Optional(
      T.Boolean({
        description:
          'also send a short "returned to normal" message for each alarm this route sent, once it clears. Default false',
      }),
    ),
    hours: T.Optional(
      T.Object(
        { from: Clock, to: Clock },
        { additionalProperties: false, description: 'a shift, site time' },
      ),
    ),
  },
  { additionalProperties: false },
);

export const AlarmsSection = T.Object(
  {
    enabled: T.Optional(T.Boolean()),
    historyDays: T.Optional(
      T.Integer({
        minimum: 30,
        maximum: 36500,
        description: 'alarm events (the history, ISA-18.2 records) older than this are deleted. Default 730',
      }),
    ),
    dashboardUrl: T.Optional(
      T.String({ description: 'link in every message, e.g. http://gateway.local:8080' }),
    ),
    commLoss: T.Optional(
      T.Object(
        {
          enabled: T.Optional(T.Boolean()),
          severity: T.Optional(Severity),
          onDelayS: T.Optional(T.Number({ minimum: 0 })),
        },
        { additionalProperties: false, description: 'the communication-lost alarm every machine gets' },
      ),
    ),
    machines: T.Optional(
      T.Record(T.String(), T.Array(AlarmRuleInput), { description: 'machine id → rules' }),
    ),
    channels: T.Optional(T.Array(ChannelInput)),
    routes: T.Optional(T.Array(RouteInput)),
    escalation: T.Optional(
      T.Object(
        {
          afterMinutes: T.Number({ minimum: 1 }),
          channels: T.Array(Id, { minItems: 1 }),
          maxSeverity: T.Optional(Severity),
        },
        { additionalProperties: false },
      ),
    ),
    quietHours: T.Optional(
      T.Object(
        {
          from: Clock,
          to: Clock,
          maxSeverity: T.Optional(
            T.Integer({
              minimum: 1,
              maximum: 4,
              description: 'these still notify at once; the rest wait for the end',
            }),
          ),
        },
        { additionalProperties: false },
      ),
    ),
    flood: T.Optional(
      T.Object(
        {
          alarms: T.Optional(T.Integer({ minimum: 1, description: 'more than this many activations…' })),
          windowMinutes: T.Optional(T.Number({ minimum: 1, description: '…in this window is a flood' })),
          chatterCount: T.Optional(T.Integer({ minimum: 2 })),
          chatterWindowS: T.Optional(T.Number({ minimum: 1 })),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);
export type AlarmsInput = Static<typeof AlarmsSection>;
export type ChannelInput = Static<typeof ChannelInput>;
