import type { PayloadLimits } from '../../../config/types.js';

/**
 * Payload hygiene, pure: what an MQTT payload must be before anything reads it. Every refusal
 * has a reason from REJECT_REASONS; a refused message is counted, logged at a bounded rate
 * (RateLimitedWarn) and never stored. Nothing here throws on any input.
 */
export const REJECT_REASONS = [
  'too_large', // payload over mqtt.payload.maxPayloadBytes
  'not_utf8', // bytes that are not UTF-8 text
  'malformed_json', // not JSON at all, or cut short
  'too_deep', // objects/arrays nested deeper than maxDepth
  'too_many_keys', // more keys and items than maxKeys
  'not_object', // JSON, but not an object ({…}) at the top
  'forbidden_key', // __proto__, constructor or prototype anywhere
  'wrong_type', // a mapped field has the wrong JSON type ("12" for a number, 5 for a boolean…)
  'not_finite', // NaN, Infinity (as text, or 1e999), or a value that scales out of range
  'no_known_fields', // none of the machine's points is in the payload
  'ts_invalid', // the configured timestamp field is missing or unreadable
  'ts_future', // timestamp more than futureToleranceMs ahead of the gateway's clock
  'ts_too_old', // timestamp more than maxAgeMs behind the gateway's clock
  'unknown_device', // a topic no machine listens to
] as const;
export type RejectReason = (typeof REJECT_REASONS)[number];

export interface Refusal {
  readonly ok: false;
  readonly reason: RejectReason;
  readonly detail: string;
}

export type Checked<T> = { readonly ok: true; readonly value: T } | Refusal;

export function refuse(reason: RejectReason, detail: string): Refusal {
  return { ok: false, reason, detail };
}

const FORBIDDEN = new Set(['__proto__', 'constructor', 'prototype']);
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

/**
 * One pass over the text before JSON.parse: nesting depth and container members, outside
 * strings. It bounds the work JSON.parse may do (a 10 000-deep array is refused unparsed).
 */
function shape(text: string, maxDepth: number, maxKeys: number): RejectReason | null {
  let depth = 0;
  let members = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92)
        i++; // backslash: skip the escaped character
      else if (c === 34) inString = false;
      continue;
    }
    if (c === 34) inString = true;
    else if (c === 123 || c === 91) {
      if (++depth > maxDepth) return 'too_deep';
      members++;
    } else if (c === 125 || c === 93) depth--;
    else if (c === 44 && ++members > maxKeys) return 'too_many_keys';
  }
  return null;
}

function forbiddenKey(v: unknown): string | null {
  if (v === null || typeof v !== 'object') return null;
  if (Array.isArray(v)) {
    for (const x of v) {
      const k = forbiddenKey(x);
      if (k) return k;
    }
    return null;
  }
  for (const k of Object.keys(v)) {
    if (FORBIDDEN.has(k)) return k;
    const inner = forbiddenKey((v as Record<string, unknown>)[k]);
    if (inner) return inner;
  }
  return null;
}

function mayHoldForbiddenKey(text: string): boolean {
  return (
    text.includes('__proto__') ||
    text.includes('constructor') ||
    text.includes('prototype') ||
    text.includes('\\u')
  );
}

/** Bytes → a plain JSON object, or the reason it is not one. */
export function parsePayload(payload: Uint8Array, limits: PayloadLimits): Checked<Record<string, unknown>> {
  if (payload.byteLength > limits.maxPayloadBytes)
    return refuse('too_large', `${payload.byteLength} bytes > ${limits.maxPayloadBytes}`);
  let text: string;
  try {
    text = utf8.decode(payload);
  } catch {
    return refuse('not_utf8', 'payload is not UTF-8 text');
  }
  const bad = shape(text, limits.maxDepth, limits.maxKeys);
  if (bad === 'too_deep') return refuse(bad, `nested deeper than ${limits.maxDepth}`);
  if (bad === 'too_many_keys') return refuse(bad, `more than ${limits.maxKeys} keys and items`);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    return refuse('malformed_json', (err as Error).message.slice(0, 120));
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    return refuse(
      'not_object',
      `top level is ${value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value}`,
    );
  // A forbidden key is in the text as written, or spelt with \u escapes: without either, no
  // walk over the parsed value is needed.
  const key = mayHoldForbiddenKey(text) ? forbiddenKey(value) : null;
  if (key) return refuse('forbidden_key', `key "${key}"`);
  return { ok: true, value: value as Record<string, unknown> };
}

/**
 * At most one warning per reason per interval; the next one says how many were left out.
 * Time is passed in (a fake clock in tests).
 */
export class RateLimitedWarn {
  private readonly last = new Map<string, { ts: number; suppressed: number }>();

  constructor(
    private readonly intervalMs: number,
    private readonly write: (fields: Record<string, unknown>, msg: string) => void,
  ) {}

  warn(key: string, now: number, fields: Record<string, unknown>, msg: string): void {
    const entry = this.last.get(key);
    if (entry && now - entry.ts < this.intervalMs) {
      entry.suppressed++;
      return;
    }
    this.write(entry && entry.suppressed > 0 ? { ...fields, suppressed: entry.suppressed } : fields, msg);
    this.last.set(key, { ts: now, suppressed: 0 });
  }
}
