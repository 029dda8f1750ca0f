import { type Static, Type as T } from '@sinclair/typebox';

/** `reload:` of the site config: how a changed config file is picked up without a restart. */
export const ReloadSection = T.Object(
  {
    watch: T.Optional(
      T.Boolean({ description: 'reload when the config file changes (besides SIGHUP); default false' }),
    ),
    debounceMs: T.Optional(
      T.Integer({
        minimum: 100,
        maximum: 60_000,
        description: 'quiet time after the last change before the file is read; default 1000',
      }),
    ),
  },
  { additionalProperties: false },
);
export type ReloadInput = Static<typeof ReloadSection>;

export interface ReloadConfig {
  readonly watch: boolean;
  readonly debounceMs: number;
}

export const RELOAD_DEFAULTS: ReloadConfig = { watch: false, debounceMs: 1000 };

export function normaliseReload(input: ReloadInput | undefined): ReloadConfig {
  return {
    watch: input?.watch ?? RELOAD_DEFAULTS.watch,
    debounceMs: input?.debounceMs ?? RELOAD_DEFAULTS.debounceMs,
  };
}
