import type { Machine } from './machine.js';
import { shared } from './store.js';

/**
 * Live machine snapshots over SSE (`/api/stream`). On an error the stream is closed and opened
 * again after 1, 2, 4 … 30 s; meanwhile (and whenever no snapshot came for 10 s) the page shows
 * the "stale / mất kết nối" state and keeps the last values.
 */
export interface Live {
  machines: Machine[];
  receivedAt: number | null;
  connected: boolean;
}

export const live = shared<Live>({ machines: [], receivedAt: null, connected: false });
export const staleAfterMs = 10_000;
/** Bumped on every `alarms` event: views that list alarms reload when it changes. */
export const alarmsVersion = shared(0);

let source: EventSource | null = null;
let retryMs = 1000;
let timer: ReturnType<typeof setTimeout> | null = null;

export function connectLive(): void {
  if (source) return;
  const es = new EventSource('/api/stream');
  source = es;
  es.addEventListener('machines', (ev) => {
    retryMs = 1000;
    live.set({
      machines: JSON.parse((ev as MessageEvent<string>).data) as Machine[],
      receivedAt: Date.now(),
      connected: true,
    });
  });
  es.addEventListener('alarms', () => alarmsVersion.set(alarmsVersion.get() + 1));
  es.onerror = () => {
    es.close();
    source = null;
    live.set({ ...live.get(), connected: false });
    if (timer) clearTimeout(timer);
    timer = setTimeout(connectLive, retryMs);
    retryMs = Math.min(retryMs * 2, 30_000);
  };
}

/** Reconnects at once (after a sign-in the stream may be allowed where it was not). */
export function reconnectLive(): void {
  source?.close();
  source = null;
  retryMs = 1000;
  connectLive();
}

export function isStale(l: Live, now: number): boolean {
  return !l.connected || l.receivedAt === null || now - l.receivedAt > staleAfterMs;
}
