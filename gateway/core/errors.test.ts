import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ERROR_CODES, isLinegateError, LinegateError } from './errors.js';

describe('error codes', () => {
  const doc = readFileSync(new URL('../../docs/errors.md', import.meta.url), 'utf8');
  it.each(Object.keys(ERROR_CODES))('docs/errors.md lists %s', (code) => {
    expect(doc).toContain(`| \`${code}\` |`);
  });
  it('docs list no code that does not exist', () => {
    const listed = [...doc.matchAll(/^\| `(LG_[A-Z_]+)` \|/gm)].map((m) => m[1]);
    expect(listed.sort()).toEqual(Object.keys(ERROR_CODES).sort());
  });
  it('carries code and frozen context', () => {
    const e = new LinegateError('LG_MODBUS_TIMEOUT', 'no answer', { unitId: 3 });
    expect(isLinegateError(e, 'LG_MODBUS_TIMEOUT')).toBe(true);
    expect(isLinegateError(e, 'LG_DECODE')).toBe(false);
    expect(Object.isFrozen(e.context)).toBe(true);
  });
});
