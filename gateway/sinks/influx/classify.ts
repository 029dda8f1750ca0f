/**
 * HTTP answers and request errors → `WriteResult`. Pure, shared by the v1 and v2 writers.
 *
 * What the servers answer to a bad line (checked against the real ones):
 *   InfluxDB 1.6.7  400 `{"error":"partial write: unable to parse '<line>': <reason>\nunable to
 *                   parse '<line>': <reason> dropped=0"}`, having written the good lines (the
 *                   "partial write: " prefix is missing when no line parsed). A schema error
 *                   names no line: `partial write: field type conflict: input field "value" on
 *                   measurement "telemetry" is type string, already exists as type float
 *                   dropped=1`, and then hides the parse errors of the same request;
 *                   `partial write: points beyond retention policy dropped=3` names nothing.
 *   VictoriaMetrics 204 even for bad lines (it logs and counts them in vm_rows_invalid_total).
 *   InfluxDB 2.x    400 `{"code":"invalid","message":"unable to parse '<line>': …"}` for the first
 *                   bad line, nothing written; IOx / 3.x add `line` (1-based) or
 *                   `data: [{ line_number, original_line, error_message }]` (from their docs).
 */
import type { WriteFailure, WriteResult } from '../types.js';

/** Retry-After is seconds or an HTTP-date (RFC 9110 §10.2.3); milliseconds from `now`, ≥ 0. */
export function parseRetryAfter(value: string | null | undefined, now: number): number | undefined {
  if (value === null || value === undefined) return undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  // Every HTTP-date form (IMF-fixdate, RFC 850, asctime) starts with the day name.
  if (!/^[A-Za-z]{3}/.test(text)) return undefined;
  const date = Date.parse(text);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now);
}

/** The error text of an answer body: `error` (1.x), `message` (2.x), else the body itself. */
export function errorMessage(body: string): { message: string; json: unknown } {
  try {
    const json: unknown = JSON.parse(body);
    if (json !== null && typeof json === 'object') {
      const o = json as Record<string, unknown>;
      const text = typeof o.error === 'string' ? o.error : typeof o.message === 'string' ? o.message : body;
      return { message: text, json };
    }
  } catch {
    // Not JSON: VictoriaMetrics and proxies answer text/plain.
  }
  return { message: body.trim(), json: undefined };
}

export interface HttpAnswer {
  readonly status: number;
  readonly retryAfter?: string | null;
  readonly body: string;
}

export function classifyAnswer(answer: HttpAnswer, lines: readonly string[], now: number): WriteResult {
  const { status } = answer;
  if (status >= 200 && status < 300) return { ok: true };
  const { message: text, json } = errorMessage(answer.body);
  const message = `HTTP ${status}${text ? `: ${text}` : ''}`;
  if (status === 400 || status === 422) {
    return { ok: false, kind: 'bad-lines', lines: findBadLines(text, json, lines), message };
  }
  // Too large: split the request (a single line that is still too large is refused for good).
  if (status === 413) return { ok: false, kind: 'bad-lines', lines: [], message };
  if (status === 401 || status === 403) return { ok: false, kind: 'auth', status, message };
  if (status === 408 || status === 429 || status >= 500) {
    const retryAfterMs = parseRetryAfter(answer.retryAfter, now);
    return {
      ok: false,
      kind: 'retry',
      status,
      message,
      ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
    };
  }
  return { ok: false, kind: 'fatal', status, message };
}

/** A request that got no HTTP answer: refused, reset, timed out or aborted. Always `retry`. */
export function classifyError(err: unknown, timeoutMs: number): WriteFailure {
  const e = err as {
    name?: string;
    message?: string;
    code?: string;
    cause?: { code?: string; message?: string };
  };
  let message: string;
  if (e?.name === 'TimeoutError' || e?.name === 'RequestTimedOutError') {
    message = `no answer within ${timeoutMs} ms`;
  } else if (e?.name === 'AbortError') {
    message = 'request aborted';
  } else {
    const code = e?.cause?.code ?? e?.code;
    const detail = e?.cause?.message ?? e?.message ?? String(err);
    message = code && !detail.includes(code) ? `${code}: ${detail}` : detail;
  }
  return { ok: false, kind: 'retry', message };
}

/**
 * 0-based indexes of the lines an error names; empty when it names none it can be matched to.
 * A `dropped=N` that equals the number of lines (with nothing else named) means all of them.
 */
export function findBadLines(message: string, json: unknown, lines: readonly string[]): number[] {
  const found = new Set<number>();
  for (const i of numberedLines(json)) if (i >= 0 && i < lines.length) found.add(i);
  for (const i of quotedLines(message, lines)) found.add(i);
  for (const i of conflictLines(message, lines)) found.add(i);
  if (found.size === 0) {
    const dropped = message.match(/\bdropped=(\d+)\b/);
    if (dropped && Number(dropped[1]) === lines.length && lines.length > 0) return lines.map((_, i) => i);
  }
  return [...found].sort((a, b) => a - b);
}

/** IOx/3.x: `line` (first bad line) or `data[].line_number`, both 1-based. */
function numberedLines(json: unknown): number[] {
  if (json === null || typeof json !== 'object') return [];
  const o = json as { line?: unknown; data?: unknown };
  const out: number[] = [];
  if (typeof o.line === 'number') out.push(o.line - 1);
  if (Array.isArray(o.data)) {
    for (const d of o.data) {
      const n = (d as { line_number?: unknown } | null)?.line_number;
      if (typeof n === 'number') out.push(n - 1);
    }
  }
  return out;
}

const UNABLE = "unable to parse '";

/** `unable to parse '<line>': reason` (1.x, 2.x): the quoted text is the line as sent. */
function quotedLines(message: string, lines: readonly string[]): number[] {
  if (!message.includes(UNABLE)) return [];
  const index = new Map<string, number[]>();
  lines.forEach((line, i) => {
    const list = index.get(line);
    if (list) list.push(i);
    else index.set(line, [i]);
  });
  const out: number[] = [];
  let at = message.indexOf(UNABLE);
  while (at >= 0) {
    const start = at + UNABLE.length;
    const nextUnable = message.indexOf(UNABLE, start);
    const limit = nextUnable < 0 ? message.length : nextUnable;
    // The line may itself contain "': ", so try each end up to the next error.
    let end = message.indexOf("': ", start);
    while (end >= 0 && end < limit) {
      // A line with an unbalanced quote runs on into the next ones (1.x scans quotes across
      // LF): only the first is bad, the ones it swallowed were not written and go again.
      const candidate = message.slice(start, end).split('\n');
      const matches = (index.get(candidate[0] ?? '') ?? []).filter((i) =>
        candidate.every((part, k) => lines[i + k] === part),
      );
      if (matches.length > 0) {
        out.push(...matches);
        break;
      }
      end = message.indexOf("': ", end + 1);
    }
    at = nextUnable;
  }
  return out;
}

const CONFLICT =
  /input (field|tag) "((?:[^"\\]|\\.)*)" on measurement "((?:[^"\\]|\\.)*)" is (?:type (\w+)|invalid)/g;

/**
 * 1.x schema errors name a measurement and a field (or tag) key, not a line:
 * `field type conflict: input field "f" on measurement "m" is type string, already exists as
 * type float`; `invalid field name: input field "time" on measurement "m" is invalid`.
 */
function conflictLines(message: string, lines: readonly string[]): number[] {
  const wanted = [...message.matchAll(CONFLICT)].map((m) => ({
    tag: m[1] === 'tag',
    key: m[2] ?? '',
    measurement: m[3] ?? '',
    type: m[4],
  }));
  if (wanted.length === 0) return [];
  const out: number[] = [];
  lines.forEach((line, i) => {
    const shape = lineShape(line);
    if (!shape) return;
    const hit = wanted.some((w) => {
      if (w.measurement !== shape.measurement) return false;
      if (w.tag) return shape.tagKeys.includes(w.key);
      const type = shape.fields.get(w.key);
      return type !== undefined && (w.type === undefined || w.type === type);
    });
    if (hit) out.push(i);
  });
  return out;
}

export interface LineShape {
  readonly measurement: string;
  readonly tagKeys: readonly string[];
  /** Field key → InfluxDB type name (float, integer, unsigned, string, boolean). */
  readonly fields: ReadonlyMap<string, string>;
}

/** Names and field types of one line, enough to match a schema error; undefined if malformed. */
export function lineShape(line: string): LineShape | undefined {
  // Split at unescaped spaces outside quotes: measurement+tags, fields, timestamp.
  const sections: string[] = [];
  let current = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i] as string;
    if (c === '\\' && i + 1 < line.length) {
      current += c + line[i + 1];
      i++;
    } else if (c === '"') {
      quoted = !quoted;
      current += c;
    } else if (c === ' ' && !quoted) {
      sections.push(current);
      current = '';
    } else {
      current += c;
    }
  }
  sections.push(current);
  const [series, fieldText] = sections;
  if (series === undefined || fieldText === undefined) return undefined;
  const [name, ...tags] = splitUnescaped(series, ',');
  const fields = new Map<string, string>();
  for (const pair of splitUnescaped(fieldText, ',')) {
    const [key, value] = splitUnescaped(pair, '=', 2);
    if (key === undefined || value === undefined) return undefined;
    fields.set(unescapeName(key), fieldType(value));
  }
  return {
    measurement: unescapeName(name ?? ''),
    tagKeys: tags.map((t) => unescapeName(splitUnescaped(t, '=', 2)[0] ?? '')),
    fields,
  };
}

function fieldType(value: string): string {
  if (value.startsWith('"')) return 'string';
  if (/^(t|T|true|True|TRUE|f|F|false|False|FALSE)$/.test(value)) return 'boolean';
  if (value.endsWith('i')) return 'integer';
  if (value.endsWith('u')) return 'unsigned';
  return 'float';
}

/** Splits at `sep` when not escaped and not inside a quoted string; at most `max` parts. */
function splitUnescaped(text: string, sep: string, max = Number.POSITIVE_INFINITY): string[] {
  const parts: string[] = [];
  let current = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    if (c === '\\' && i + 1 < text.length) {
      current += c + text[i + 1];
      i++;
    } else if (c === '"') {
      quoted = !quoted;
      current += c;
    } else if (c === sep && !quoted && parts.length < max - 1) {
      parts.push(current);
      current = '';
    } else {
      current += c;
    }
  }
  parts.push(current);
  return parts;
}

function unescapeName(text: string): string {
  return text.replace(/\\([, =])/g, '$1');
}
