import type { Logger } from 'pino';
import type { Notifier } from '../notifiers/types.js';
import type { NotifyQueue } from './queue-store.js';

export interface DispatcherDeps {
  readonly queue: NotifyQueue;
  readonly notifier: Notifier;
  readonly log: Logger;
  readonly now?: () => number;
  /** Retry delay: baseMs × 2^attempts, at most maxMs. */
  readonly backoff?: { readonly baseMs: number; readonly maxMs: number };
}

/**
 * Sends one channel's queued messages, oldest first (of those due), one at a time. A failure
 * leaves the message where it is and pauses the whole channel for a backoff (exponential), so
 * the order holds after an outage and a dead channel costs one attempt per backoff step and never touches alarm evaluation
 * (which only ever enqueues). Calling rules: `start()` once; `kick()` after enqueuing (cheap,
 * idempotent); `stop()` once: waits for the send in flight, then closes the notifier.
 */
export class Dispatcher {
  private timer: NodeJS.Timeout | null = null;
  private busy: Promise<void> | null = null;
  private stopped = false;
  private again = false;
  /** After a failure: wait for the backoff timer, whatever is enqueued meanwhile. */
  private paused = false;
  private sent = 0;
  private failed = 0;
  private readonly now: () => number;

  constructor(private readonly deps: DispatcherDeps) {
    this.now = deps.now ?? Date.now;
  }

  start(): void {
    this.kick();
  }

  kick(): void {
    if (this.stopped || this.paused) return;
    if (this.busy) {
      this.again = true; // enqueued while a pump runs: look again when it ends
      return;
    }
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.again = false;
    this.busy = this.pump().finally(() => {
      this.busy = null;
      if (this.again && !this.paused) this.kick();
    });
  }

  /** Ends a backoff pause now (a channel known to be back, or an operator's "retry now"). */
  retryNow(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.paused = false;
    this.kick();
  }

  stats(): { sent: number; failed: number } {
    return { sent: this.sent, failed: this.failed };
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.busy;
    await this.deps.notifier.close();
  }

  private schedule(at: number): void {
    if (this.stopped) return;
    const ms = Math.max(0, at - this.now());
    this.timer = setTimeout(
      () => {
        this.paused = false;
        this.kick();
      },
      Math.min(ms, 2_147_000_000),
    );
    this.timer.unref?.();
  }

  private async pump(): Promise<void> {
    const { queue, notifier, log } = this.deps;
    const backoff = this.deps.backoff ?? { baseMs: 2000, maxMs: 300_000 };
    for (let i = 0; i < 1000 && !this.stopped; i++) {
      const msg = queue.nextDue(notifier.id, this.now());
      if (!msg) {
        const next = queue.nextDueAt(notifier.id);
        if (next !== null) this.schedule(next);
        return;
      }
      try {
        await notifier.send(msg.message, { id: msg.dedup });
        queue.markSent(msg.id, this.now());
        this.sent++;
      } catch (err) {
        const delay = Math.min(backoff.maxMs, backoff.baseMs * 2 ** Math.min(msg.attempts, 20));
        queue.markFailed(msg.id, (err as Error).message);
        this.failed++;
        log.warn(
          {
            code: 'LG_NOTIFY_SEND',
            channel: notifier.id,
            attempts: msg.attempts + 1,
            retryInMs: delay,
            err: (err as Error).message,
          },
          'notification not delivered; kept for retry',
        );
        this.paused = true;
        this.schedule(this.now() + delay);
        return;
      }
    }
    if (!this.stopped) this.schedule(this.now());
  }
}
