import { createHmac } from 'node:crypto';
import type { OutgoingMessage } from '../notify/queue-store.js';
import { type Notifier, SEND_TIMEOUT_MS } from './types.js';

export interface WebhookOptions {
  readonly id: string;
  readonly url: string;
  readonly secret: string;
  readonly site: string;
  readonly timeoutMs?: number;
}

/** `sha256=<hex>` of HMAC-SHA256(secret, `${timestamp}.${body}`): what receivers verify. */
export function signature(secret: string, timestamp: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

/**
 * POSTs the message as JSON with headers X-Linegate-Timestamp, X-Linegate-Signature (above) and
 * X-Linegate-Delivery (the queue's dedup key: a receiver that sees the same delivery id twice,
 * after a timeout on our side, can drop the second). Any 2xx = accepted.
 */
export class WebhookNotifier implements Notifier {
  readonly id: string;
  constructor(private readonly o: WebhookOptions) {
    this.id = o.id;
  }

  async send(msg: OutgoingMessage, delivery: { id: string }): Promise<void> {
    const body = JSON.stringify({
      site: this.o.site,
      kind: msg.kind,
      severity: msg.severity,
      subject: msg.subject,
      text: msg.text,
      data: msg.data,
    });
    const ts = String(Date.now());
    const res = await fetch(this.o.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-linegate-timestamp': ts,
        'x-linegate-signature': signature(this.o.secret, ts, body),
        'x-linegate-delivery': delivery.id,
      },
      body,
      signal: AbortSignal.timeout(this.o.timeoutMs ?? SEND_TIMEOUT_MS),
    });
    await res.arrayBuffer().catch(() => undefined);
    if (res.status < 200 || res.status > 299) throw new Error(`webhook: HTTP ${res.status}`);
  }

  async close(): Promise<void> {}
}
