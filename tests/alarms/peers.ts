/**
 * Local peers for the notifier tests, each on a fixed loopback port so it can go down and come
 * back on the same address:
 * - a real SMTP server (the `smtp-server` package);
 * - a webhook receiver that checks the HMAC signature (refuses a bad one with 401);
 * - a FAKE Telegram Bot API: no real server can be run locally for api.telegram.org, so this
 *   HTTP server speaks the documented `sendMessage` shape (POST /bot<token>/sendMessage with JSON
 *   { chat_id, text } → { ok: true, result: { message_id, … } }) and nothing else.
 * `delayMs` makes a peer slow (it answers late, still within the notifier's timeout).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { SMTPServer } from 'smtp-server';

export interface Received {
  readonly body: string;
  readonly delivery: string | null;
}

export interface Peer {
  readonly port: number;
  readonly received: Received[];
  delayMs: number;
  up(): Promise<void>;
  down(): Promise<void>;
}

async function readBody(req: import('node:http').IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function httpPeer(
  port: number,
  handle: (
    path: string,
    headers: Record<string, string | string[] | undefined>,
    body: string,
    p: Peer,
  ) => { status: number; json: unknown },
): Peer {
  let server: Server | null = null;
  const p: Peer = {
    port,
    received: [],
    delayMs: 0,
    async up() {
      server = createServer(async (req, res) => {
        const body = await readBody(req);
        await sleep(p.delayMs);
        const out = handle(req.url ?? '', req.headers, body, p);
        res.writeHead(out.status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(out.json));
      });
      await new Promise<void>((resolve) => server?.listen(port, '127.0.0.1', resolve));
    },
    async down() {
      const s = server;
      server = null;
      if (!s) return;
      s.closeAllConnections();
      await new Promise<void>((resolve) => s.close(() => resolve()));
    },
  };
  return p;
}

export function fakeTelegram(port: number, token: string): Peer {
  let id = 0;
  return httpPeer(port, (path, _h, body, p) => {
    if (path !== `/bot${token}/sendMessage`)
      return { status: 404, json: { ok: false, error_code: 404, description: 'Not Found' } };
    const msg = JSON.parse(body) as { chat_id?: unknown; text?: unknown };
    if (msg.chat_id === undefined || typeof msg.text !== 'string')
      return {
        status: 400,
        json: { ok: false, error_code: 400, description: 'Bad Request: message text is empty' },
      };
    p.received.push({ body, delivery: null });
    id++;
    return {
      status: 200,
      json: { ok: true, result: { message_id: id, chat: { id: msg.chat_id }, text: msg.text } },
    };
  });
}

export function webhookReceiver(port: number, secret: string): Peer & { rejected: number } {
  const peer = httpPeer(port, (_path, h, body, p) => {
    const ts = String(h['x-linegate-timestamp'] ?? '');
    const sig = String(h['x-linegate-signature'] ?? '');
    const want = `sha256=${createHmac('sha256', secret).update(`${ts}.${body}`).digest('hex')}`;
    if (sig.length !== want.length || !timingSafeEqual(Buffer.from(sig), Buffer.from(want))) {
      (peer as { rejected: number }).rejected++;
      return { status: 401, json: { error: 'bad signature' } };
    }
    p.received.push({ body, delivery: String(h['x-linegate-delivery'] ?? '') });
    return { status: 204, json: null };
  }) as Peer & { rejected: number };
  peer.rejected = 0;
  return peer;
}

export function smtpPeer(port: number): Peer {
  let server: SMTPServer | null = null;
  const p: Peer = {
    port,
    received: [],
    delayMs: 0,
    async up() {
      server = new SMTPServer({
        authOptional: true,
        disabledCommands: ['STARTTLS', 'AUTH'],
        logger: false,
        onData(stream, _session, callback) {
          const chunks: Buffer[] = [];
          stream.on('data', (c: Buffer) => chunks.push(c));
          stream.on('end', () => {
            const raw = Buffer.concat(chunks).toString('utf8');
            const m = /X-Linegate-Delivery: (.+)/i.exec(raw);
            setTimeout(() => {
              p.received.push({ body: raw, delivery: m?.[1]?.trim() ?? null });
              callback();
            }, p.delayMs);
          });
        },
      });
      await new Promise<void>((resolve) => server?.listen(port, '127.0.0.1', () => resolve()));
    },
    async down() {
      const s = server;
      server = null;
      if (s) await new Promise<void>((resolve) => s.close(() => resolve()));
    },
  };
  return p;
}
