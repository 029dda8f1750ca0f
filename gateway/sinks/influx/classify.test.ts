import { describe, expect, it } from 'vitest';
import { classifyAnswer, classifyError, findBadLines, lineShape, parseRetryAfter } from './classify.js';

const NOW = Date.parse('2026-11-26T17:00:00Z');

describe('parseRetryAfter', () => {
  it.each<[string | null | undefined, number | undefined]>([
    ['3', 3000],
    [' 0 ', 0],
    ['Thu, 26 Nov 2026 17:00:05 GMT', 5000],
    ['Thu, 26 Nov 2026 16:59:00 GMT', 0],
    ['soon', undefined],
    ['-1', undefined],
    [null, undefined],
    [undefined, undefined],
  ])('%j → %j ms', (value, ms) => {
    expect(parseRetryAfter(value, NOW)).toBe(ms);
  });
});

describe('classifyAnswer', () => {
  const lines = ['m v=1 1', 'm v= 2', 'm v=3 3'];
  it.each<[number, string, object]>([
    [204, '', { ok: true }],
    [200, '{}', { ok: true }],
    [401, '{"error":"authorization failed"}', { kind: 'auth', status: 401 }],
    [403, '{"code":"forbidden"}', { kind: 'auth', status: 403 }],
    [404, '{"error":"database not found: \\"nope\\""}', { kind: 'fatal', status: 404 }],
    [405, '', { kind: 'fatal', status: 405 }],
    [500, '{"error":"timeout"}', { kind: 'retry', status: 500 }],
    [503, '', { kind: 'retry', status: 503 }],
    [429, '', { kind: 'retry', status: 429 }],
    [408, '', { kind: 'retry', status: 408 }],
    [413, '{"error":"Request Entity Too Large"}', { kind: 'bad-lines', lines: [] }],
  ])('%i', (status, body, expected) => {
    expect(classifyAnswer({ status, body }, lines, NOW)).toMatchObject(expected);
  });

  it('puts the server message (JSON error or message) in the result', () => {
    expect(
      classifyAnswer({ status: 404, body: '{"error":"database not found: \\"x\\""}' }, lines, NOW),
    ).toEqual({
      ok: false,
      kind: 'fatal',
      status: 404,
      message: 'HTTP 404: database not found: "x"',
    });
    expect(
      classifyAnswer(
        { status: 401, body: '{"code":"unauthorized","message":"unauthorized access"}' },
        lines,
        NOW,
      ),
    ).toMatchObject({ message: 'HTTP 401: unauthorized access' });
  });

  it('honours Retry-After on 503 and 429', () => {
    expect(classifyAnswer({ status: 503, body: '', retryAfter: '7' }, lines, NOW)).toEqual({
      ok: false,
      kind: 'retry',
      status: 503,
      retryAfterMs: 7000,
      message: 'HTTP 503',
    });
    expect(
      classifyAnswer({ status: 429, body: '', retryAfter: 'Thu, 26 Nov 2026 17:00:02 GMT' }, lines, NOW),
    ).toMatchObject({ retryAfterMs: 2000 });
  });

  it('finds the bad line in a real InfluxDB 1.6.7 answer', () => {
    // Copied from InfluxDB 1.6.7 (Debian influxdb 1.6.7~rc0), POST /write?db=t&precision=ms.
    const body = '{"error":"partial write: unable to parse \'m v= 2\': missing field value dropped=0"}';
    expect(classifyAnswer({ status: 400, body }, lines, NOW)).toEqual({
      ok: false,
      kind: 'bad-lines',
      lines: [1],
      message: "HTTP 400: partial write: unable to parse 'm v= 2': missing field value dropped=0",
    });
  });
});

describe('findBadLines on real answers', () => {
  it('1.6.7: several unparsable lines, one of them eating the next through an open quote (only it is bad)', () => {
    const body = ['m,a=1 v=1 1000', 'm,a=1 v= 2000', 'm,a=1 v=3 3000', 'm v="x 4000', 'm,a=1 v=5 5000'];
    // The exact 1.6.7 answer to this body.
    const error =
      "partial write: unable to parse 'm,a=1 v= 2000': missing field value\nunable to parse 'm v=\"x 4000\nm,a=1 v=5 5000': unbalanced quotes dropped=0";
    expect(findBadLines(error, { error }, body)).toEqual([1, 3]);
  });

  it('1.6.7: every line bad (no "partial write" prefix)', () => {
    const error = "unable to parse 'z,t= v=1 1000': missing tag value";
    expect(findBadLines(error, undefined, ['z,t= v=1 1000'])).toEqual([0]);
  });

  it('1.6.7: the same bad line twice is named once and found twice', () => {
    const error = "partial write: unable to parse 'x v= 1': missing field value dropped=0";
    expect(findBadLines(error, undefined, ['x v= 1', 'x v=1 1', 'x v= 1'])).toEqual([0, 2]);
  });

  it('a line that contains "\': " itself', () => {
    const line = 'm s="it\': here",v= 1';
    const error = `partial write: unable to parse '${line}': missing field value dropped=0`;
    expect(findBadLines(error, undefined, ['m v=1 1', line])).toEqual([1]);
  });

  it('1.6.7: a field type conflict names measurement and field, not the line', () => {
    const error =
      'partial write: field type conflict: input field "value" on measurement "telemetry" is type string, already exists as type float dropped=1';
    const body = [
      'telemetry,machine=a value=1,quality="good" 1',
      'telemetry,machine=a value="x",quality="good" 2',
      'other,machine=a value="x" 3',
    ];
    expect(findBadLines(error, { error }, body)).toEqual([1]);
  });

  it('1.6.7: a conflict on an escaped measurement and field', () => {
    const error =
      'partial write: field type conflict: input field "a b" on measurement "x,y" is type boolean, already exists as type float dropped=1';
    expect(findBadLines(error, undefined, ['x\\,y a\\ b=1 1', 'x\\,y a\\ b=true 2'])).toEqual([1]);
  });

  it('1.6.7: a reserved key', () => {
    const error = 'partial write: invalid tag key: input tag "time" on measurement "y" is invalid dropped=1';
    expect(findBadLines(error, undefined, ['y,time=a v=1 1', 'y,t=a v=1 1'])).toEqual([0]);
  });

  it('1.6.7: points beyond the retention policy: all when dropped equals the count, else none named', () => {
    const all = 'partial write: points beyond retention policy dropped=2';
    expect(findBadLines(all, undefined, ['m v=1 1', 'm v=1 2'])).toEqual([0, 1]);
    const some = 'partial write: points beyond retention policy dropped=1';
    expect(findBadLines(some, undefined, ['m v=1 1', 'm v=1 2'])).toEqual([]);
  });

  it('IOx / 3.x line numbers (1-based)', () => {
    expect(findBadLines('x', { code: 'invalid', line: 2, message: 'x' }, ['a', 'b', 'c'])).toEqual([1]);
    expect(
      findBadLines(
        'partial write of line protocol occurred',
        { data: [{ line_number: 1 }, { line_number: 3 }] },
        ['a', 'b', 'c'],
      ),
    ).toEqual([0, 2]);
  });

  it('VictoriaMetrics text answers name nothing', () => {
    const text =
      'remoteAddr: "127.0.0.1:42888"; requestURI: /api/v2/write?org=o&bucket=b&precision=ms; cannot read gzipped influx line protocol data: unexpected EOF';
    expect(findBadLines(text, undefined, ['a v=1 1'])).toEqual([]);
  });
});

describe('lineShape', () => {
  it('reads names and field types', () => {
    const shape = lineShape('a\\ b,t\\=1=x\\,y f\\,1="q \\" ,=",g=1,h=true,i=3i 1');
    expect(shape?.measurement).toBe('a b');
    expect(shape?.tagKeys).toEqual(['t=1']);
    expect(Object.fromEntries(shape?.fields ?? [])).toEqual({
      'f,1': 'string',
      g: 'float',
      h: 'boolean',
      i: 'integer',
    });
  });
});

describe('classifyError', () => {
  it('names the network error', () => {
    const err = Object.assign(new TypeError('fetch failed'), {
      cause: Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' }),
    });
    expect(classifyError(err, 100)).toEqual({
      ok: false,
      kind: 'retry',
      message: 'connect ECONNREFUSED 127.0.0.1:1',
    });
    expect(classifyError({ name: 'TimeoutError' }, 250)).toMatchObject({
      message: 'no answer within 250 ms',
    });
    expect(classifyError({ code: 'ECONNRESET', message: 'socket hang up' }, 1)).toMatchObject({
      message: 'ECONNRESET: socket hang up',
    });
  });
});
