import type { OutgoingMessage } from '../notify/queue-store.js';
import { type Notifier, SEND_TIMEOUT_MS } from './types.js';

export interface TelegramOptions {
  readonly id: string;
  readonly botToken: string;
  readonly chatId: string | number;
  /** Default https://api.telegram.org (a local Bot API server or a test double may stand in). */
  readonly baseUrl?: string;
  readonly timeoutMs?: number;
}

/** Telegram Bot API `sendMessage` (core.telegram.org/bots/api#sendmessage): `{ ok: true }` = accepted. */
export class TelegramNotifier implements Notifier {
  readonly id: string;
  constructor(private readonly o: TelegramOptions) {
    this.id = o.id;
  }

  async send(msg: OutgoingMessage): Promise<void> {
    const base = (this.o.baseUrl ?? 'https://api.telegram.org').replace(/\/$/, '');
    const res = await fetch(`${base}/bot${this.o.botToken}/sendMessage`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ chat_id: this.o.chatId, text: msg.text, disable_web_page_preview: true }),
      signal: AbortSignal.timeout(this.o.timeoutMs ?? SEND_TIMEOUT_MS),
    });
    const body = (await res.json().catch(() => null)) as { ok?: boolean; description?: string } | null;
    if (!res.ok || body?.ok !== true)
      throw new Error(`telegram: HTTP ${res.status} ${body?.description ?? ''}`.trim());
  }

  async close(): Promise<void> {}
}
