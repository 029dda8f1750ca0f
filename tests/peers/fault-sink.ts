/**
 * A FAKE InfluxDB write endpoint, for what a real server will not do on demand: 500, 503 with
 * Retry-After, 429, 400 on chosen lines, 401, a stall, a reset mid-body. Everything else is
 * tested against the real InfluxDB 1.6.7 and VictoriaMetrics (tests/peers/influxdb.ts,
 * victoria-metrics.ts). Its 400 bodies copy what InfluxDB 1.6.7 answers (see
 * gateway/sinks/influx/classify.ts).
 *
 * Each request takes the next queued rule, else the default rule (accept). It answers any path
 * (`/write`, `/api/v2/write`), gunzips gzip'd bodies, and records every request and every line
 * it accepted, in order.
 *
 * Calling rules: `await startFaultSink()` in beforeAll/beforeEach, `await sink.close()` after
 * (it also drops stalled connections).
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { gunzipSync } from 'node:zlib';

export type FaultAction =
  /** 204; every line is written. */
  | { readonly kind: 'accept' }
  /** Any status; nothing written. */
  | {
      readonly kind: 'status';
      readonly status: number;
      readonly body?: string;
      readonly headers?: Readonly<Record<string, string>>;
    }
  /** 400 naming these 0-based lines as unparsable, as 1.6.7 does; the other lines are written. */
  | { readonly kind: 'refuse-lines'; readonly lines: readonly number[]; readonly reason?: string }
  /**
   * 400 `field type conflict` as 1.6.7 answers: the lines of `measurement` whose `field` has
   * the given value type are dropped, the others written.
   */
  | {
      readonly kind: 'conflict';
      readonly measurement: string;
      readonly field: string;
      readonly type: 'string' | 'float' | 'boolean';
      readonly existing: string;
    }
  /** Reads the request and never answers. */
  | { readonly kind: 'stall' }
  /** TCP reset: before answering (`request`, default) or after half of a 200 answer (`response`). */
  | { readonly kind: 'reset'; readonly when?: 'request' | 'response' };

export interface FaultRequest {
  readonly method: string;
  readonly path: string;
  readonly query: URLSearchParams;
  readonly headers: IncomingMessage['headers'];
  /** The body's lines (gunzipped), without the empty last one. */
  readonly lines: readonly string[];
}

export type FaultRule = FaultAction | ((request: FaultRequest) => FaultAction);

export interface RecordedRequest extends FaultRequest {
  readonly action: FaultAction['kind'];
  readonly ts: number;
}

export interface FaultSink {
  readonly url: string;
  readonly port: number;
  /** Rules for the next requests, in order. */
  queue(...rules: FaultRule[]): void;
  /** The rule once the queue is empty; default accept. */
  setDefault(rule: FaultRule): void;
  readonly requests: readonly RecordedRequest[];
  /** Every line written, in the order written. */
  readonly accepted: readonly string[];
  close(): Promise<void>;
}

export async function startFaultSink(): Promise<FaultSink> {
  const queue: FaultRule[] = [];
  let fallback: FaultRule = { kind: 'accept' };
  const requests: RecordedRequest[] = [];
  const accepted: string[] = [];
  const sockets = new Set<Socket>();

  const answer = (
    res: ServerResponse,
    status: number,
    body: string,
    headers: Record<string, string> = {},
  ) => {
    if (body === '') res.writeHead(status, headers).end();
    else res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(body);
  };

  const influxError = (res: ServerResponse, message: string): void =>
    answer(res, 400, JSON.stringify({ error: message }), {
      // Go writes the UTF-8 bytes as they are; node takes them as latin1 characters.
      'x-influxdb-error': Buffer.from(message.replace(/\n/g, ' '), 'utf8').toString('latin1'),
      'x-influxdb-version': '1.6.7~fault',
    });

  const handle = (req: IncomingMessage, res: ServerResponse, raw: Buffer): void => {
    const url = new URL(req.url ?? '/', 'http://fault.invalid');
    let text: string;
    try {
      text = (req.headers['content-encoding'] === 'gzip' ? gunzipSync(raw) : raw).toString('utf8');
    } catch (err) {
      answer(res, 400, JSON.stringify({ error: `fault sink: bad gzip: ${(err as Error).message}` }));
      return;
    }
    const lines = text === '' ? [] : text.replace(/\n$/, '').split('\n');
    const request: FaultRequest = {
      method: req.method ?? '',
      path: url.pathname,
      query: url.searchParams,
      headers: req.headers,
      lines,
    };
    const rule = queue.shift() ?? fallback;
    const action = typeof rule === 'function' ? rule(request) : rule;
    requests.push({ ...request, action: action.kind, ts: Date.now() });
    switch (action.kind) {
      case 'accept':
        accepted.push(...lines);
        answer(res, 204, '');
        return;
      case 'status':
        answer(res, action.status, action.body ?? '', { ...action.headers });
        return;
      case 'refuse-lines': {
        const bad = new Set(action.lines);
        accepted.push(...lines.filter((_, i) => !bad.has(i)));
        const errors = lines
          .filter((_, i) => bad.has(i))
          .map((line) => `unable to parse '${line}': ${action.reason ?? 'invalid field format'}`)
          .join('\n');
        // 1.6.7: "partial write: … dropped=0" when some lines parsed, the bare errors when none did.
        influxError(res, bad.size >= lines.length ? errors : `partial write: ${errors} dropped=0`);
        return;
      }
      case 'conflict': {
        const clash = (line: string) =>
          line.startsWith(`${action.measurement},`) && fieldType(line, action.field) === action.type;
        const dropped = lines.filter(clash).length;
        accepted.push(...lines.filter((l) => !clash(l)));
        if (dropped === 0) answer(res, 204, '');
        else
          influxError(
            res,
            `partial write: field type conflict: input field "${action.field}" on measurement "${action.measurement}" is type ${action.type}, already exists as type ${action.existing} dropped=${dropped}`,
          );
        return;
      }
      case 'stall':
        return;
      case 'reset':
        if (action.when === 'response') {
          res.writeHead(200, { 'content-type': 'application/json', 'content-length': '100' });
          res.write('{"results":[', () => res.socket?.resetAndDestroy());
        } else {
          req.socket.resetAndDestroy();
        }
        return;
    }
  };

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => handle(req, res, Buffer.concat(chunks)));
    req.on('error', () => undefined);
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('fault sink: no port');
  const port = address.port;

  return {
    url: `http://127.0.0.1:${port}`,
    port,
    queue: (...rules) => {
      queue.push(...rules);
    },
    setDefault: (rule) => {
      fallback = rule;
    },
    requests,
    accepted,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Type of `field` in a line this project's encoder wrote (no quotes or escapes in the key). */
function fieldType(line: string, field: string): string | undefined {
  const match = line.match(new RegExp(`[ ,]${field}=("|t|f|true|false|[-0-9.e+]+)`));
  if (!match) return undefined;
  const v = match[1] ?? '';
  if (v === '"') return 'string';
  if (/^(t|f|true|false)$/.test(v)) return 'boolean';
  return 'float';
}
