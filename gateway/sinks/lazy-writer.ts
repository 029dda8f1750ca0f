import type { LineWriter, WriteResult } from './types.js';

/**
 * A LineWriter whose implementation, and the library behind it, is loaded on the first
 * `write()`: a site without that sink type never loads its client library (resident memory,
 * docs/footprint.md). Same calling rules as LineWriter; `target` is known up front.
 * A load that fails is a `retry` result (a write never throws), tried again on the next write.
 */
export function lazyWriter(target: string, load: () => Promise<LineWriter>): LineWriter {
  let loading: Promise<LineWriter> | null = null;
  let loaded: LineWriter | null = null;
  return {
    target,
    async write(lines: readonly string[], signal?: AbortSignal): Promise<WriteResult> {
      if (!loaded) {
        loading ??= load();
        try {
          loaded = await loading;
        } catch (err) {
          loading = null;
          return { ok: false, kind: 'retry', message: `cannot load the writer: ${(err as Error).message}` };
        }
      }
      return loaded.write(lines, signal);
    },
    async close(): Promise<void> {
      const w = loaded ?? (loading ? await loading.catch(() => null) : null);
      await w?.close?.();
    },
  };
}
