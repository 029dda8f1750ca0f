/**
 * One gzip'd POST of line protocol with node:http(s) (keep-alive), bounded by a timeout, never
 * retried. Not fetch: undici copies the body and runs it through web streams, a measurable part
 * of a replay's CPU (bench:forward). Used by the 1.x writer: node-influx (`influx`) cannot send pre-encoded lines (its
 * `writePoints` encodes itself and its pool is private), never gzips, turns a 5xx into a bare
 * "ServiceNotAvailableError" without status or Retry-After, and retries behind its own timers.
 */
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { promisify } from 'node:util';
import { gzip as gzipCallback } from 'node:zlib';
import { type EncodedLines, linesBody, type WriteResult } from '../types.js';
import { classifyAnswer, classifyError } from './classify.js';

const gzip = promisify(gzipCallback);
/**
 * zlib level 1 (fastest): on 5 000 lines of telemetry about 3× less CPU than the default 6 for
 * 21× instead of 30× smaller bodies (bench:forward); the CPU is what a Pi runs short of.
 */
const GZIP_OPTIONS = { level: 1 } as const;

export interface PostOptions {
  readonly url: URL;
  readonly headers: Readonly<Record<string, string>>;
  readonly gzip: boolean;
  readonly timeoutMs: number;
  readonly signal?: AbortSignal;
}

export function postLines(lines: readonly string[], options: PostOptions): Promise<WriteResult> {
  return postBody(linesBody(lines), options);
}

/** The body as it is (no copy); its lines are made only to read a refusal. */
export async function postBody(lines: EncodedLines, options: PostOptions): Promise<WriteResult> {
  const timeout = AbortSignal.timeout(options.timeoutMs);
  const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
  try {
    const body = options.gzip ? await gzip(lines.bytes(), GZIP_OPTIONS) : lines.bytes();
    const headers = {
      'content-type': 'text/plain; charset=utf-8',
      ...(options.gzip ? { 'content-encoding': 'gzip' } : {}),
      ...options.headers,
      'content-length': String(body.length),
    };
    const answer = await post(options.url, headers, body, signal);
    const ok = answer.status >= 200 && answer.status < 300;
    return classifyAnswer(answer, ok ? [] : lines.lines(), Date.now());
  } catch (err) {
    return classifyError(
      timeout.aborted ? Object.assign(new Error('timeout'), { name: 'TimeoutError' }) : err,
      options.timeoutMs,
    );
  }
}

interface Answer {
  readonly status: number;
  readonly retryAfter: string | null;
  readonly body: string;
}

/**
 * POSTs `body` and reads the whole answer: a connection reset before its end makes the outcome
 * unknown, so the request counts as failed (rejects) and is sent again (a resend overwrites).
 */
function post(url: URL, headers: Record<string, string>, body: Buffer, signal: AbortSignal): Promise<Answer> {
  return new Promise<Answer>((resolve, reject) => {
    const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
    const req = request(url, { method: 'POST', headers, signal }, (res: IncomingMessage) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('error', reject);
      res.on('close', () => {
        if (!res.complete) reject(new Error('connection closed before the end of the answer'));
      });
      res.on('end', () => {
        const retryAfter = res.headers['retry-after'];
        resolve({
          status: res.statusCode ?? 0,
          retryAfter: (Array.isArray(retryAfter) ? retryAfter[0] : retryAfter) ?? null,
          body: Buffer.concat(chunks).toString('utf8'),
        });
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** The URL without user info, for logs. */
export function publicTarget(url: URL): string {
  const copy = new URL(url.href);
  copy.username = '';
  copy.password = '';
  for (const secret of ['p', 'u', 'token'])
    if (copy.searchParams.has(secret)) copy.searchParams.set(secret, '***');
  return copy.href;
}

/** `base` with `path` appended to its path (keeps a prefix such as `/influx`). */
export function endpoint(base: string, path: string, query: Record<string, string | undefined>): URL {
  const url = new URL(base);
  url.pathname = `${url.pathname.replace(/\/+$/, '')}${path}`;
  url.search = '';
  for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== '') url.searchParams.set(k, v);
  return url;
}
