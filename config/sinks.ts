import { normaliseUplink } from './mqtt-uplink.js';
import type { SinkInput, StoreInput } from './sinks-schema.js';
import { normaliseStoreRam } from './store-ram.js';
import { normaliseStoreRaw } from './store-raw.js';
import type { SinkConfig, StoreConfig } from './types.js';

const DAY_MS = 86_400_000;

export const STORE_DEFAULTS = { rawRetentionDays: 7, maxSizeMb: 1024, flushIntervalMs: 1000 } as const;
export const SINK_DEFAULTS = { batchSize: 5000, timeoutMs: 10_000, gzip: true, from: 'now' } as const;

export function normaliseStore(s: StoreInput | undefined, baseDir: string): StoreConfig {
  return {
    rawRetentionMs: (s?.rawRetentionDays ?? STORE_DEFAULTS.rawRetentionDays) * DAY_MS,
    maxBytes: (s?.maxSizeMb ?? STORE_DEFAULTS.maxSizeMb) * 1024 * 1024,
    flushIntervalMs: s?.flushIntervalMs ?? STORE_DEFAULTS.flushIntervalMs,
    ackPersistMs: (s?.ackPersistS ?? 0) * 1000,
    raw: normaliseStoreRaw(s?.raw),
    ramTier: normaliseStoreRam(s?.ramTier, baseDir),
  };
}

/** Enabled sinks with their defaults; the rest of each entry is passed through as written. */
export function normaliseSinks(list: readonly SinkInput[] | undefined, baseDir: string): SinkConfig[] {
  return (list ?? [])
    .filter((s) => s.enabled !== false)
    .map(({ enabled: _e, ...s }) => {
      const common = {
        batchSize: s.batchSize ?? SINK_DEFAULTS.batchSize,
        timeoutMs: s.timeoutMs ?? SINK_DEFAULTS.timeoutMs,
        gzip: s.gzip ?? defaultGzip(s),
        from: s.from ?? SINK_DEFAULTS.from,
      };
      return s.type === 'mqtt-uplink' ? normaliseUplink(s, common, baseDir) : { ...s, ...common };
    });
}

/**
 * gzip unless an InfluxDB sink writes to this machine: over loopback the plain body is faster
 * end to end (bench:forward, sink plain vs sink gzip: InfluxDB 1.6.7 decompresses more slowly
 * than it reads), over a network gzip saves ~95 % of the bytes.
 */
function defaultGzip(s: SinkInput): boolean {
  if (s.type === 'mqtt-uplink') return SINK_DEFAULTS.gzip;
  return !isLoopbackUrl(s.url);
}

export function isLoopbackUrl(url: string): boolean {
  try {
    const host = new URL(url).hostname;
    return host === 'localhost' || host === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(host);
  } catch {
    return false;
  }
}
