/**
 * InfluxDB 1.x write API: `POST /write?db=&rp=&precision=ms`, gzip'd, Basic auth when a user is
 * set (1.x accepts it as well as `u`/`p` in the query; the header keeps the password out of
 * access logs). Transport only: no timers, no retries (see http-post.ts for why not node-influx).
 */
import type { EncodedLines, LineWriter, WriteResult } from '../types.js';
import { endpoint, postBody, postLines, publicTarget } from './http-post.js';

export interface V1WriterOptions {
  /** Base URL, e.g. `http://influx.local:8086` (a path prefix behind a proxy is kept). */
  readonly url: string;
  readonly database: string;
  /** Default: the database's default retention policy. */
  readonly retentionPolicy?: string;
  readonly username?: string;
  readonly password?: string;
  /** Whole request, connect to last byte of the answer; default 10 000. */
  readonly timeoutMs?: number;
  /** Default true. */
  readonly gzip?: boolean;
}

export const DEFAULT_WRITE_TIMEOUT_MS = 10_000;

export function createV1Writer(options: V1WriterOptions): LineWriter {
  const url = endpoint(options.url, '/write', {
    db: options.database,
    rp: options.retentionPolicy,
    precision: 'ms',
  });
  const headers: Record<string, string> = {};
  if (options.username !== undefined) {
    const credentials = `${options.username}:${options.password ?? ''}`;
    headers.authorization = `Basic ${Buffer.from(credentials, 'utf8').toString('base64')}`;
  }
  const timeoutMs = options.timeoutMs ?? DEFAULT_WRITE_TIMEOUT_MS;
  const gzip = options.gzip ?? true;
  return {
    target: publicTarget(url),
    write(lines: readonly string[], signal?: AbortSignal): Promise<WriteResult> {
      return postLines(lines, { url, headers, gzip, timeoutMs, ...(signal ? { signal } : {}) });
    },
    writeBody(body: EncodedLines, signal?: AbortSignal): Promise<WriteResult> {
      return postBody(body, { url, headers, gzip, timeoutMs, ...(signal ? { signal } : {}) });
    },
  };
}
