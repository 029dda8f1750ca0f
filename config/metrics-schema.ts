import { type Static, Type as T } from '@sinclair/typebox';

/** `metrics:` of the site config: the Prometheus endpoint GET /metrics. */
export const MetricsSection = T.Object(
  {
    enabled: T.Optional(T.Boolean({ description: 'serve GET /metrics (default true)' })),
    access: T.Optional(
      T.Union([T.Literal('public'), T.Literal('read')], {
        description:
          'public: anyone (Prometheus scrapes without a session; default); read: like the other read routes',
      }),
    ),
  },
  { additionalProperties: false },
);
export type MetricsInput = Static<typeof MetricsSection>;
