import { describe, expect, it } from 'vitest';
import { SeriesCache } from './series-cache.js';

describe('SeriesCache', () => {
  it('makes a value once per series and starts afresh past its bound', () => {
    const c = new SeriesCache<string>(3);
    let made = 0;
    const get = (m: string, p: string) => c.get(m, p, () => `${m}.${p}#${++made}`);
    expect(get('a', 'x')).toBe('a.x#1');
    expect(get('a', 'x')).toBe('a.x#1');
    expect(get('a', 'y')).toBe('a.y#2');
    expect(get('b', 'x')).toBe('b.x#3');
    expect(made).toBe(3);
    expect(get('c', 'x')).toBe('c.x#4'); // the fourth series: the cache was cleared first
    expect(get('a', 'x')).toBe('a.x#5');
    expect(get('c', 'x')).toBe('c.x#4');
  });
});
