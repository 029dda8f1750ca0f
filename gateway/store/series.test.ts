import { afterEach, describe, expect, it } from 'vitest';
import { SeriesDictionary } from './series.js';
import { tempStores } from './testdata/temp-store.js';

const t = tempStores();
afterEach(() => t.cleanup());

describe('SeriesDictionary', () => {
  it('hands out one id per (machine, point), remembers it across dictionaries, and forgets ids of a rolled-back write', () => {
    const db = t.open(t.dir()).db;
    const d = new SeriesDictionary(db);
    const ids = db.transaction(() => [
      d.idFor('m1', 'a'),
      d.idFor('m1', 'b'),
      d.idFor('m2', 'a'),
      d.idFor('m1', 'a'),
    ])();
    d.commit();
    expect(new Set(ids).size).toBe(3);
    expect(ids[3]).toBe(ids[0]);
    expect(d.size).toBe(3);
    expect(d.name(ids[2] as number)).toEqual({ machine: 'm2', point: 'a' });
    expect(new SeriesDictionary(db).lookup('m1', 'b')).toBe(ids[1]);

    // A write that rolls back: its new ids are forgotten, the older ones stay.
    let lost = 0;
    expect(() =>
      db.transaction(() => {
        lost = d.idFor('m3', 'x');
        expect(d.idFor('m1', 'a')).toBe(ids[0]);
        throw new Error('rolled back');
      })(),
    ).toThrow('rolled back');
    d.rollback();
    expect(d.size).toBe(3);
    expect(d.lookup('m3', 'x')).toBeUndefined();
    expect(() => d.name(lost)).toThrow(/not in the dictionary/);
    const again = db.transaction(() => d.idFor('m3', 'x'))();
    d.commit();
    expect(d.lookup('m3', 'x')).toBe(again);
    expect(d.idFor('m1', 'a')).toBe(ids[0]);
    expect(db.prepare('SELECT count(*) FROM series').pluck().get()).toBe(4);
  });
});
