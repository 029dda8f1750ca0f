import type { StoreRawInput } from './store-raw-schema.js';

export const STORE_RAW_DEFAULTS = { deadband: 0, heartbeatS: 60 } as const;

export interface StoreRawConfig {
  readonly onChange: boolean;
  readonly deadband: number;
  readonly heartbeatMs: number;
}

/** `store.raw` with its defaults; absent = every sample stored raw. */
export function normaliseStoreRaw(r: StoreRawInput | undefined): StoreRawConfig {
  return {
    onChange: r?.onChange ?? false,
    deadband: r?.deadband ?? STORE_RAW_DEFAULTS.deadband,
    heartbeatMs: (r?.heartbeatS ?? STORE_RAW_DEFAULTS.heartbeatS) * 1000,
  };
}
