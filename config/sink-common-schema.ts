import { Type as T } from '@sinclair/typebox';
import { Id } from './point-schema.js';

/** Settings every `sinks:` entry has, whatever its type. */
export const SinkCommon = {
  id: Id,
  enabled: T.Optional(T.Boolean()),
  batchSize: T.Optional(T.Integer({ minimum: 1, maximum: 100_000 })),
  timeoutMs: T.Optional(T.Integer({ minimum: 100, maximum: 600_000 })),
  gzip: T.Optional(T.Boolean()),
  from: T.Optional(
    T.Union([T.Literal('now'), T.Literal('start')], {
      description: 'a new sink starts with data from now on, or replays everything stored',
    }),
  ),
};
