/**
 * A value per series (machine, point), made once and kept: two Map lookups of strings the store
 * hands out again and again (their hashes are kept) instead of building a key string per row.
 * Bounded: past `max` series the cache starts afresh (a bound, not a policy).
 */
export class SeriesCache<T> {
  private readonly byMachine = new Map<string, Map<string, T>>();
  private size = 0;

  constructor(private readonly max = 50_000) {}

  get(machine: string, point: string, make: () => T): T {
    let points = this.byMachine.get(machine);
    if (points === undefined) {
      points = new Map();
      this.byMachine.set(machine, points);
    }
    let v = points.get(point);
    if (v === undefined) {
      if (this.size >= this.max) {
        this.byMachine.clear();
        points = new Map();
        this.byMachine.set(machine, points);
        this.size = 0;
      }
      v = make();
      points.set(point, v);
      this.size++;
    }
    return v;
  }
}
