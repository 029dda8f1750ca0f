/**
 * A copy of a config with its secrets replaced by "***": values under keys that name a
 * password, token, secret, key or hash, and the user:password part of URLs. Pure.
 */
const SECRET_KEY = /(pass(word)?|secret|token|api[-_]?key|private|^key$|hash|credential)/i;

export function redact(value: unknown, key = ''): unknown {
  if (key && SECRET_KEY.test(key) && value !== null && value !== undefined && typeof value !== 'object')
    return '***';
  if (typeof value === 'string') return value.replace(/(\w+:\/\/)[^/@\s]+@/g, '$1***@');
  if (Array.isArray(value)) return value.map((v) => redact(v, ''));
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      out[k] = SECRET_KEY.test(k) && v !== null && typeof v === 'object' ? '***' : redact(v, k);
    }
    return out;
  }
  return value;
}
