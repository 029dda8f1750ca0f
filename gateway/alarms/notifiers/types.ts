import type { OutgoingMessage } from '../notify/queue-store.js';

/**
 * A notification channel's wire side. Calling rules: `send()` is called by the dispatcher one
 * message at a time per channel, never concurrently; it resolves when the peer accepted the
 * message and rejects (any error) otherwise — the dispatcher keeps the message and retries with
 * backoff. `send()` must give up within its own timeout. `close()` once, at stop.
 */
export interface Notifier {
  readonly id: string;
  send(msg: OutgoingMessage, delivery: { readonly id: string }): Promise<void>;
  close(): Promise<void>;
}

export const SEND_TIMEOUT_MS = 10_000;
