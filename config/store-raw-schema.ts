import { type Static, Type as T } from '@sinclair/typebox';

/** `store.raw`: change-only raw storage for SD cards (gateway/store/change-filter.ts). */
export const StoreRawSection = T.Object(
  {
    onChange: T.Boolean({
      description: 'store a raw sample only when its value or quality changed, or a heartbeat is due',
    }),
    deadband: T.Optional(
      T.Number({
        minimum: 0,
        description: 'absolute; a number within it of the last stored one is unchanged (default 0 = exact)',
      }),
    ),
    heartbeatS: T.Optional(
      T.Integer({
        minimum: 1,
        maximum: 86_400,
        description: 'one raw row per series at least this often (default 60 s)',
      }),
    ),
  },
  { additionalProperties: false },
);

export type StoreRawInput = Static<typeof StoreRawSection>;
