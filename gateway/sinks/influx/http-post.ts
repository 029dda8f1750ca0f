/**
 * One gzip'd POST of line protocol with node's fetch (undici), bounded by a timeout, never
 * retried. Used by the 1.x writer: node-influx (`influx`) cannot send pre-encoded lines (its
 * `writePoints` encodes itself and its pool is private), never gzips, turns a 5xx into a bare
 * "ServiceNotAvailableError" without status or Retry-After, and retries behind its own timers.
 */
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
    const response = await fetch(options.url, {
      method: 'POST',
      headers: {
        'content-type': 'text/plain; charset=utf-8',
        ...(options.gzip ? { 'content-encoding': 'gzip' } : {}),
        ...options.headers,
      },
      body,
      signal,
    });
    // Read the whole answer: a connection reset before its end makes the outcome unknown, so
    // the request counts as failed and is sent again (a resend overwrites).
    const answer = await response.text();
    const ok = response.status >= 200 && response.status < 300;
    return classifyAnswer(
      { status: response.status, retryAfter: response.headers.get('retry-after'), body: answer },
      ok ? [] : lines.lines(),
      Date.now(),
    );
  } catch (err) {
    return classifyError(
      timeout.aborted ? Object.assign(new Error('timeout'), { name: 'TimeoutError' }) : err,
      options.timeoutMs,
    );
  }
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
