import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type FaultSink, startFaultSink } from '../../../tests/peers/fault-sink.js';
import { freePort } from '../../../tests/peers/free-port.js';
import type { LineWriter } from '../types.js';
import { createV1Writer } from './v1-writer.js';
import { createV2Writer } from './v2-writer.js';

let sink: FaultSink;
beforeAll(async () => {
  sink = await startFaultSink();
});
afterAll(async () => {
  await sink.close();
});
beforeEach(() => {
  sink.setDefault({ kind: 'accept' });
});

const LINES = ['m,t=Nhiệt\\ độ v=1 1', 'm v="a \\"b\\"" 2', 'm v=3 3'];

describe('v1 writer: the request', () => {
  it('POSTs gzip’d lines to /write with db, rp, precision=ms and Basic auth', async () => {
    const writer = createV1Writer({
      url: `${sink.url}/influx/`,
      database: 'nhà máy',
      retentionPolicy: 'one_year',
      username: 'gw',
      password: 'sêcret:1',
    });
    expect(writer.target).toBe(`${sink.url}/influx/write?db=nh%C3%A0+m%C3%A1y&rp=one_year&precision=ms`);
    expect(await writer.write(LINES)).toEqual({ ok: true });
    const req = sink.requests.at(-1);
    expect(req?.method).toBe('POST');
    expect(req?.path).toBe('/influx/write');
    expect(Object.fromEntries(req?.query ?? [])).toEqual({ db: 'nhà máy', rp: 'one_year', precision: 'ms' });
    expect(req?.headers['content-encoding']).toBe('gzip');
    expect(req?.headers.authorization).toBe(`Basic ${Buffer.from('gw:sêcret:1').toString('base64')}`);
    expect(req?.lines).toEqual(LINES);
  });

  it('can send plain text and without auth', async () => {
    const writer = createV1Writer({ url: sink.url, database: 'db', gzip: false });
    expect(await writer.write(LINES)).toEqual({ ok: true });
    const req = sink.requests.at(-1);
    expect(req?.headers['content-encoding']).toBeUndefined();
    expect(req?.headers.authorization).toBeUndefined();
    expect(Object.fromEntries(req?.query ?? [])).toEqual({ db: 'db', precision: 'ms' });
  });
});

describe('v2 writer: the request', () => {
  it('POSTs gzip’d lines to /api/v2/write with org, bucket, precision=ms and a Token', async () => {
    const writer = createV2Writer({ url: sink.url, org: 'Công ty', bucket: 'line/1', token: 'tok==' });
    expect(await writer.write(LINES)).toEqual({ ok: true });
    const req = sink.requests.at(-1);
    expect(req?.path).toBe('/api/v2/write');
    expect(Object.fromEntries(req?.query ?? [])).toEqual({
      org: 'Công ty',
      bucket: 'line/1',
      precision: 'ms',
    });
    expect(req?.headers['content-encoding']).toBe('gzip');
    expect(req?.headers['content-type']).toBe('text/plain; charset=utf-8');
    expect(req?.headers.authorization).toBe('Token tok==');
    expect(req?.lines).toEqual(LINES);
  });
});

const writers: [string, (timeoutMs?: number) => LineWriter][] = [
  ['v1', (timeoutMs = 2000) => createV1Writer({ url: sink.url, database: 'db', timeoutMs })],
  ['v2', (timeoutMs = 2000) => createV2Writer({ url: sink.url, bucket: 'b', token: 't', timeoutMs })],
];

describe.each(writers)('%s writer: classified answers', (_name, make) => {
  it('503 with Retry-After → retry after that long', async () => {
    sink.queue({ kind: 'status', status: 503, headers: { 'retry-after': '2' }, body: '' });
    expect(await make().write(LINES)).toEqual({
      ok: false,
      kind: 'retry',
      status: 503,
      retryAfterMs: 2000,
      message: 'HTTP 503',
    });
  });

  it('500 and 429 → retry', async () => {
    sink.queue(
      { kind: 'status', status: 500, body: '{"error":"engine: cache full"}' },
      { kind: 'status', status: 429 },
    );
    expect(await make().write(LINES)).toMatchObject({
      kind: 'retry',
      status: 500,
      message: 'HTTP 500: engine: cache full',
    });
    expect(await make().write(LINES)).toMatchObject({ kind: 'retry', status: 429 });
  });

  it('400 naming lines → bad-lines with their indexes', async () => {
    sink.queue({ kind: 'refuse-lines', lines: [0, 2] });
    const result = await make().write(LINES);
    expect(result).toMatchObject({ ok: false, kind: 'bad-lines', lines: [0, 2] });
    expect(sink.accepted.at(-1)).toBe(LINES[1]);
  });

  it('401 → auth; 404 → fatal', async () => {
    sink.queue(
      { kind: 'status', status: 401, body: '{"error":"authorization failed"}' },
      { kind: 'status', status: 404, body: '{"error":"database not found: \\"db\\""}' },
    );
    expect(await make().write(LINES)).toEqual({
      ok: false,
      kind: 'auth',
      status: 401,
      message: 'HTTP 401: authorization failed',
    });
    expect(await make().write(LINES)).toMatchObject({ kind: 'fatal', status: 404 });
  });

  it('a stall → retry after the timeout, not later', async () => {
    sink.queue({ kind: 'stall' });
    const t0 = Date.now();
    const result = await make(300).write(LINES);
    expect(result).toEqual({ ok: false, kind: 'retry', message: 'no answer within 300 ms' });
    expect(Date.now() - t0).toBeLessThan(1500);
  });

  it('a reset before the answer, or in the middle of it → retry', async () => {
    sink.queue({ kind: 'reset' }, { kind: 'reset', when: 'response' });
    expect(await make().write(LINES)).toMatchObject({ ok: false, kind: 'retry' });
    expect(await make().write(LINES)).toMatchObject({ ok: false, kind: 'retry' });
    expect(await make().write(LINES)).toEqual({ ok: true });
  });

  it('an abort by the caller → retry, at once', async () => {
    sink.queue({ kind: 'stall' });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);
    const t0 = Date.now();
    expect(await make(5000).write(LINES, controller.signal)).toMatchObject({ ok: false, kind: 'retry' });
    expect(Date.now() - t0).toBeLessThan(1000);
  });

  it('nobody listening → retry', async () => {
    const port = await freePort();
    const writer =
      _name === 'v1'
        ? createV1Writer({ url: `http://127.0.0.1:${port}`, database: 'db' })
        : createV2Writer({ url: `http://127.0.0.1:${port}`, bucket: 'b' });
    expect(await writer.write(LINES)).toMatchObject({ ok: false, kind: 'retry', message: /ECONNREFUSED/ });
  });
});
