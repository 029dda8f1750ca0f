import type { Transporter } from 'nodemailer';
import type { OutgoingMessage } from '../notify/queue-store.js';
import { type Notifier, SEND_TIMEOUT_MS } from './types.js';

export interface EmailOptions {
  readonly id: string;
  readonly host: string;
  readonly port?: number;
  readonly secure?: boolean;
  readonly username?: string;
  readonly password?: string;
  readonly from: string;
  readonly to: readonly string[];
  readonly timeoutMs?: number;
}

/**
 * E-mail over SMTP (nodemailer). Accepted = the server answered 250 to the message. nodemailer is
 * loaded on the first message (a site without e-mail alerts never loads it: docs/footprint.md).
 */
export class EmailNotifier implements Notifier {
  readonly id: string;
  private transport: Transporter | null = null;

  constructor(private readonly o: EmailOptions) {
    this.id = o.id;
  }

  private async transporter(): Promise<Transporter> {
    if (this.transport) return this.transport;
    const { createTransport } = await import('nodemailer');
    const o = this.o;
    const t = o.timeoutMs ?? SEND_TIMEOUT_MS;
    this.transport = createTransport({
      host: o.host,
      port: o.port ?? (o.secure ? 465 : 587),
      secure: o.secure ?? false,
      ...(o.username ? { auth: { user: o.username, pass: o.password ?? '' } } : {}),
      connectionTimeout: t,
      greetingTimeout: t,
      socketTimeout: t,
    });
    return this.transport;
  }

  async send(msg: OutgoingMessage, delivery: { id: string }): Promise<void> {
    await (await this.transporter()).sendMail({
      from: this.o.from,
      to: [...this.o.to],
      subject: msg.subject,
      text: msg.text,
      headers: { 'X-Linegate-Delivery': delivery.id },
    });
  }

  async close(): Promise<void> {
    this.transport?.close();
    this.transport = null;
  }
}
