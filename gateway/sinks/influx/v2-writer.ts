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
import { type EncodedLines, type LineWriter, linesBody, type WriteResult } from '../types.js';
import { classifyAnswer, classifyError } from './classify.js';
import { endpoint, publicTarget } from './http-post.js';
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
  const writeBody = async (body: EncodedLines, signal?: AbortSignal): Promise<WriteResult> => {
    const timeout = AbortSignal.timeout(timeoutMs);
    try {
      // The same body as the 1.x writer (body-encoder.ts), as the string the library takes (it
      // JSON-encodes anything else).
      await transport.request(path, body.bytes().toString('utf8'), {
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
          body.lines(),
          Date.now(),
        );
      }
      const timedOut = timeout.aborted && !signal?.aborted;
      return classifyError(timedOut ? { name: 'TimeoutError' } : err, timeoutMs);
    }
  };
  return {
    target: publicTarget(url),
    write: (lines: readonly string[], signal?: AbortSignal) => writeBody(linesBody(lines), signal),
    writeBody,
  };
}
