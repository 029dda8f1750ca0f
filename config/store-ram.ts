import { resolve } from 'node:path';
import type { StoreRamInput } from './store-ram-schema.js';

export const STORE_RAM_DEFAULTS = { spillAfterS: 30, keepS: 900, maxSizeMb: 64 } as const;

/** Store `ramTier` options (gateway/store/ram-tier.ts). */
export interface StoreRamConfig {
  readonly dir: string;
  readonly spillAfterMs: number;
  readonly keepMs: number;
  readonly maxBytes: number;
}

/** `store.ramTier` with its defaults; absent = raw samples go to the card (no RAM tier). */
export function normaliseStoreRam(r: StoreRamInput | undefined, baseDir: string): StoreRamConfig | null {
  if (!r) return null;
  return {
    dir: resolve(baseDir, r.dir),
    spillAfterMs: (r.spillAfterS ?? STORE_RAM_DEFAULTS.spillAfterS) * 1000,
    keepMs: (r.keepS ?? STORE_RAM_DEFAULTS.keepS) * 1000,
    maxBytes: (r.maxSizeMb ?? STORE_RAM_DEFAULTS.maxSizeMb) * 1024 * 1024,
  };
}
