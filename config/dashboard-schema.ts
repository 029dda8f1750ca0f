import { Type as T } from '@sinclair/typebox';

/** `dashboard:` in plant.yaml — the web UI, sign-in and sessions. Every key is optional. */
export const DashboardSection = T.Object(
  {
    kiosk: T.Optional(
      T.Boolean({
        description:
          'anonymous read-only access (wall TV without sign-in): every read route, no state change. Default false',
      }),
    ),
    sessionIdleMinutes: T.Optional(
      T.Integer({
        minimum: 5,
        maximum: 10080,
        description: 'a session unused this long is ended. Default 480',
      }),
    ),
    sessionMaxHours: T.Optional(
      T.Integer({
        minimum: 1,
        maximum: 8760,
        description: 'a session this old is ended however busy it is (sign in again). Default 24',
      }),
    ),
    bodyLimitBytes: T.Optional(
      T.Integer({ minimum: 1024, maximum: 10485760, description: 'largest request body. Default 65536' }),
    ),
    login: T.Optional(
      T.Object(
        {
          maxFailuresPerAccount: T.Optional(T.Integer({ minimum: 1, maximum: 1000 })),
          maxFailuresPerIp: T.Optional(T.Integer({ minimum: 1, maximum: 10000 })),
          windowMinutes: T.Optional(T.Integer({ minimum: 1, maximum: 1440 })),
        },
        { additionalProperties: false },
      ),
    ),
    tls: T.Optional(
      T.Object(
        {
          cert: T.String({ minLength: 1, description: 'PEM certificate file (relative to the config file)' }),
          key: T.String({ minLength: 1, description: 'PEM private key file (relative to the config file)' }),
        },
        { additionalProperties: false },
      ),
    ),
    allowedOrigins: T.Optional(
      T.Array(T.String({ minLength: 1 }), {
        description:
          'extra origins (scheme://host:port) allowed to send state-changing requests, besides the gateway itself',
      }),
    ),
  },
  { additionalProperties: false },
);
