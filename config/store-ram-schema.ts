import { type Static, Type as T } from '@sinclair/typebox';

/** `store.ramTier`: raw samples in a RAM file first, on the card only when needed (gateway/store/ram-tier.ts). */
export const StoreRamSection = T.Object(
  {
    dir: T.String({
      minLength: 1,
      description:
        'a directory on a RAM file system (tmpfs), e.g. /run/linegate (systemd RuntimeDirectory) or /dev/shm/linegate',
    }),
    spillAfterS: T.Optional(
      T.Integer({
        minimum: 1,
        maximum: 3600,
        description:
          'rows a sink has not acked this long after they were written go to the card (default 30)',
      }),
    ),
    keepS: T.Optional(
      T.Integer({
        minimum: 0,
        maximum: 86_400,
        description: 'acked rows kept in RAM for raw history this long, then only rollups (default 900)',
      }),
    ),
    maxSizeMb: T.Optional(
      T.Integer({
        minimum: 1,
        maximum: 4096,
        description:
          'bound of the RAM file; beyond it acked rows go first, then unacked rows go to the card early (default 64)',
      }),
    ),
  },
  { additionalProperties: false },
);

export type StoreRamInput = Static<typeof StoreRamSection>;
