/**
 * InfluxDB v2 write API (`POST /api/v2/write?org=&bucket=&precision=ms`, `Authorization: Token`):
 * InfluxDB 2.x, 3.x, Cloud, 1.8+ and VictoriaMetrics. Transport only: no timers, no retries.
 *
 * It uses `@influxdata/influxdb-client` for the HTTP transport alone (URL and token handling,
 * gzip via `gzipThreshold`, HttpError with status, body and headers). Its WriteApi is never
 * used: that one retries from a memory-only buffer of 32 k lines that drops the oldest, which is
 * the data loss linegate exists to avoid. `transport.request` makes exactly one attempt.
 */
import { HttpError, InfluxDB } from '@influxdata/influxdb-client';
import type { LineWriter, WriteResult } from '../types.js';
import { classifyAnswer, classifyError } from './classify.js';
import { endpoint, lineBody, publicTarget } from './http-post.js';
import { DEFAULT_WRITE_TIMEOUT_MS } from './v1-writer.js';

export interface V2WriterOptions {
  /** Base URL, e.g. `https://eu-central-1-1.aws.cloud2.influxdata.com` or `http://host:8086`. */
  readonly url: string;
  /** Organisation name or id; 3.x and VictoriaMetrics ignore it, so it may be left out there. */
  readonly org?: string;
  /** Bucket (1.8: `database/retention-policy`; 3.x: the database). */
  readonly bucket: string;
  /** API token; sent as `Authorization: Token …`. */
  readonly token?: string;
  /** Whole request, connect to last byte of the answer; default 10 000. */
  readonly timeoutMs?: number;
  /** Default true. */
  readonly gzip?: boolean;
}

export function createV2Writer(options: V2WriterOptions): LineWriter {
  const timeoutMs = options.timeoutMs ?? DEFAULT_WRITE_TIMEOUT_MS;
  const gzip = options.gzip ?? true;
  const { transport } = new InfluxDB({
    url: options.url,
    ...(options.token === undefined ? {} : { token: options.token }),
    // Socket idle timeout inside the library; the AbortSignal below bounds the whole request.
    timeout: timeoutMs,
  });
  const query = { org: options.org, bucket: options.bucket, precision: 'ms' };
  const url = endpoint(options.url, '/api/v2/write', query);
  const path = `/api/v2/write${url.search}`;
  return {
    target: publicTarget(url),
    async write(lines: readonly string[], signal?: AbortSignal): Promise<WriteResult> {
      const timeout = AbortSignal.timeout(timeoutMs);
      try {
        await transport.request(path, lineBody(lines), {
          method: 'POST',
          headers: { 'content-type': 'text/plain; charset=utf-8' },
          // gzip whenever the body is not empty.
          ...(gzip ? { gzipThreshold: 0 } : {}),
          signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
        });
        return { ok: true };
      } catch (err) {
        if (err instanceof HttpError) {
          const retryAfter = err.headers?.['retry-after'];
          return classifyAnswer(
            {
              status: err.statusCode,
              retryAfter: Array.isArray(retryAfter) ? retryAfter[0] : retryAfter,
              body: err.body ?? '',
            },
            lines,
            Date.now(),
          );
        }
        const timedOut = timeout.aborted && !signal?.aborted;
        return classifyError(timedOut ? { name: 'TimeoutError' } : err, timeoutMs);
      }
    },
  };
}
