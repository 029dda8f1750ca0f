import { LinegateError } from '../core/errors.js';
import type { Sample } from '../core/sample.js';
import type { FlushResult } from '../store/sample-writer.js';

/** What `storePersist` needs of the local store (gateway/store/store.ts `Store` is one). */
export interface AppendFlush {
  append(samples: readonly Sample[]): void;
  flush(): FlushResult;
}

/**
 * A synchronous, durable `persist(samples)` over the local store, for sources that acknowledge
 * what they receive (MQTT QoS 1): append, then flush until nothing appended before or with these
 * samples is left in memory. When it returns, the rows are committed (SQLite WAL: a kill -9
 * right after loses nothing). Throws LG_MQTT_PERSIST when the store keeps them in memory
 * (disk full, I/O error), so that the caller does not acknowledge.
 */
export function storePersist(store: AppendFlush, maxFlushes = 100): (samples: readonly Sample[]) => void {
  return (samples) => {
    if (samples.length === 0) return;
    store.append(samples);
    for (let i = 0; i < maxFlushes; i++) {
      const r = store.flush();
      if (r.error || r.full)
        throw new LinegateError(
          'LG_MQTT_PERSIST',
          r.full ? 'the local store is full' : `the local store could not write: ${r.error?.message ?? '?'}`,
          {},
          r.error ? { cause: r.error } : undefined,
        );
      if (r.pending === 0) return;
      if (r.written === 0) break;
    }
    throw new LinegateError('LG_MQTT_PERSIST', 'the local store did not take the samples (still buffered)');
  };
}
