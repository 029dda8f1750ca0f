import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { RamTierOptions } from './ram-tier.js';
import type { Store } from './store.js';
import { FakeClock, sample, tempStores } from './testdata/temp-store.js';
import { decodeValue } from './value-codec.js';

const t = tempStores();
afterEach(() => t.cleanup());

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

function setup(over: Partial<RamTierOptions> = {}) {
  const dir = t.dir();
  const clock = new FakeClock();
  const ramTier: RamTierOptions = {
    dir: join(dir, 'ram'),
    spillAfterMs: 30_000,
    keepMs: 10 * MINUTE,
    maxBytes: 64 * 1024 * 1024,
    ...over,
  };
  const open = () => t.open(join(dir, 'data'), { now: clock.now, ramTier });
  return { dir, clock, ramTier, open };
}

/** Appends `n` samples with values from `from` on, stamped now, and flushes. */
function write(s: Store, clock: FakeClock, from: number, n: number): void {
  s.append(Array.from({ length: n }, (_, i) => sample(`m${i % 3}`, `p${i % 4}`, from + i, clock.now())));
  s.flush();
}

const count = (s: Store, table: string) =>
  s.db.prepare(`SELECT count(*) FROM ${table}`).pluck().get() as number;
const values = (s: Store) =>
  (
    s.db.prepare('SELECT value, flags FROM sample ORDER BY seq').all() as { value: number; flags: number }[]
  ).map((r) => decodeValue(r.value, r.flags));

/** Delivers and acks everything the sink has unsent; returns the values, in order. */
function drain(s: Store, sink: string): unknown[] {
  const out = s.outbox(sink);
  const got: unknown[] = [];
  for (;;) {
    const b = out.next(50);
    if (b.rows.length === 0) return got;
    for (const r of b.rows) if (r.kind === 'sample') got.push(r.value);
    out.ack(b);
  }
}

describe('RAM tier', () => {
  it('while the sink keeps up, no raw row reaches the card; acked rows leave RAM after keepMs', () => {
    const { clock, open } = setup();
    const s = open();
    s.registerSink('influx');
    for (let i = 0; i < 20; i++) {
      write(s, clock, i * 10, 10);
      expect(drain(s, 'influx')).toHaveLength(10);
      clock.advance(1000);
    }
    expect(count(s, 'main.sample')).toBe(0);
    expect(count(s, 'ram.sample')).toBe(200);
    clock.advance(10 * MINUTE);
    s.flush();
    expect(count(s, 'ram.sample')).toBe(0);
    expect(s.ram?.stats()).toMatchObject({ spilled: 0, dropped: 200, lostAtStart: false });
    expect(s.stats().rawRows).toBe(0);
    expect(s.outbox('influx').depth()).toBe(0);
    // The rollups still hold what left RAM: history of that range comes from them.
    const h = s.history({ machine: 'm0', point: 'p0', from: clock.now() - 12 * MINUTE, to: clock.now() });
    expect(h.resolution).toBe('1m');
    expect(h.points.reduce((a, p) => a + (p.count ?? 0), 0)).toBe(20);
  });

  it('rows no sink acked within spillAfterMs move to the card, in order, nothing lost or doubled', () => {
    const { clock, open } = setup();
    const s = open();
    s.registerSink('influx');
    s.registerSink('uplink');
    write(s, clock, 0, 30);
    expect(drain(s, 'uplink')).toHaveLength(30); // one sink keeps up, the other is down
    clock.advance(29_000);
    write(s, clock, 30, 30);
    expect(count(s, 'main.sample')).toBe(0); // not due yet
    clock.advance(2000);
    s.flush();
    expect(count(s, 'main.sample')).toBe(30); // the first 30: written 31 s ago, not acked by influx
    expect(count(s, 'ram.sample')).toBe(30);
    expect(s.outbox('influx').depth()).toBe(60);
    expect(drain(s, 'influx')).toEqual(Array.from({ length: 60 }, (_, i) => i));
    expect(drain(s, 'uplink')).toEqual(Array.from({ length: 30 }, (_, i) => 30 + i));
    expect(s.ram?.stats().spilled).toBe(30);
    // Raw history reads both tiers.
    const h = s.history({ machine: 'm0', point: 'p0', from: clock.now() - MINUTE, to: clock.now() });
    expect(h.resolution).toBe('raw');
    expect(h.points.map((p) => p.value)).toEqual(
      values(s).filter((_, i) => i % 3 === 0 && (i % 30) % 4 === 0) as number[],
    );
  });

  it('a power cut loses only the rows still in RAM; what was moved to the card is delivered, then new rows', () => {
    const { clock, open, ramTier } = setup();
    let s = open();
    s.registerSink('influx');
    s.registerSink('uplink');
    const up = s.outbox('uplink');
    write(s, clock, 0, 40); // influx is down, uplink is not
    up.ack(up.next(40));
    clock.advance(HOUR + 10_000);
    // The hour closed: its rollups and the cursors (uplink 40) go to the card, and the 40 rows
    // influx has not acked (older than 30 s); the card notes the hour's first seq (41).
    write(s, clock, 40, 20);
    expect(count(s, 'main.sample')).toBe(40);
    up.ack(up.next(10)); // uplink's cursor 50: in RAM only
    s.db.close(); // the power goes: no clean close, and RAM is empty at boot
    rmSync(ramTier.dir, { recursive: true, force: true });
    s = open();
    expect(s.ram?.stats().lostAtStart).toBe(true);
    expect(s.integrityCheck()).toEqual(['ok']);
    // The rows only in RAM are counted lost for the sinks that had not acked them as far as the
    // card knows: up to the last seq it knows of (41, the hour's first), above their cursors.
    expect(s.stats().sinks.map((k) => [k.name, k.dropped.ram])).toEqual([
      ['influx', 1],
      ['uplink', 1],
    ]);
    write(s, clock, 1000, 5);
    expect(drain(s, 'uplink')).toEqual([1000, 1001, 1002, 1003, 1004]);
    expect(drain(s, 'influx')).toEqual([
      ...Array.from({ length: 40 }, (_, i) => i),
      1000,
      1001,
      1002,
      1003,
      1004,
    ]);
  });

  it('a clean close moves every unacked row to the card, acked ones stay in RAM', () => {
    const { clock, open, ramTier } = setup();
    let s = open();
    s.registerSink('influx');
    write(s, clock, 0, 25);
    const out = s.outbox('influx');
    out.ack(out.next(10));
    s.close();
    rmSync(ramTier.dir, { recursive: true, force: true }); // a reboot
    s = open();
    expect(count(s, 'main.sample')).toBe(15);
    expect(drain(s, 'influx')).toEqual(Array.from({ length: 15 }, (_, i) => 10 + i));
  });

  it('over maxBytes, acked rows leave RAM at once and unacked ones go to the card early', () => {
    const { clock, open } = setup({ maxBytes: 16 * 1024 });
    const s = open();
    s.registerSink('influx');
    write(s, clock, 0, 2000);
    // Not 30 s old, yet over the bound and not acked: on the card at once.
    expect(count(s, 'ram.sample')).toBe(0);
    expect(count(s, 'main.sample')).toBe(2000);
    drain(s, 'influx');
    write(s, clock, 2000, 2000);
    // The acked 2000 are deleted (from the card too, keepMs or not), the new ones moved.
    expect(count(s, 'ram.sample')).toBe(0);
    expect(count(s, 'main.sample')).toBe(2000);
    expect(s.ram?.stats()).toMatchObject({ spilled: 4000, dropped: 2000 });
    expect(drain(s, 'influx')).toEqual(Array.from({ length: 2000 }, (_, i) => 2000 + i));
  });

  it('after a restart (RAM kept), rows found there keep their raw history keepMs; unacked ones go to the card', () => {
    const { clock, open } = setup();
    let s = open();
    s.registerSink('influx');
    write(s, clock, 0, 20);
    const out = s.outbox('influx');
    out.ack(out.next(12));
    s.db.close(); // kill -9: RAM (tmpfs) outlives the process
    s = open();
    s.flush();
    expect(count(s, 'ram.sample')).toBe(12); // acked: kept for history
    expect(count(s, 'main.sample')).toBe(8); // of unknown age and not acked: on the card at once
    clock.advance(10 * MINUTE);
    s.flush();
    expect(count(s, 'ram.sample')).toBe(0);
    expect(drain(s, 'influx')).toEqual(Array.from({ length: 8 }, (_, i) => 12 + i));
  });

  it('with no sink, rows never go to the card and leave RAM after keepMs', () => {
    const { clock, open } = setup({ keepMs: MINUTE });
    const s = open();
    write(s, clock, 0, 50);
    clock.advance(2 * MINUTE);
    s.flush();
    expect(count(s, 'main.sample')).toBe(0);
    expect(count(s, 'ram.sample')).toBe(0);
  });

  it('a row left in both tiers by a kill between the two commits is kept once (the card copy)', () => {
    const { clock, open } = setup();
    let s = open();
    s.registerSink('influx');
    write(s, clock, 0, 10);
    clock.advance(31_000);
    s.flush();
    expect(count(s, 'main.sample')).toBe(10);
    s.db.exec('INSERT INTO ram.sample SELECT * FROM main.sample WHERE seq <= 5'); // as if the delete never committed
    s.db.close();
    s = open();
    expect(count(s, 'ram.sample')).toBe(0);
    expect(drain(s, 'influx')).toEqual(Array.from({ length: 10 }, (_, i) => i));
  });

  it('a corrupt RAM file is started afresh and reported lost; the card is untouched', () => {
    const { clock, open, ramTier } = setup();
    let s = open();
    s.registerSink('influx');
    write(s, clock, 0, 10);
    s.close(); // the 10 go to the card
    const file = readdirSync(ramTier.dir).find((f) => f.endsWith('.db')) as string;
    writeFileSync(join(ramTier.dir, file), 'not a database at all, not at all, not at all...');
    s = open();
    expect(s.ram?.stats().lostAtStart).toBe(true);
    expect(drain(s, 'influx')).toEqual(Array.from({ length: 10 }, (_, i) => i));
  });

  it('after a restore, the RAM rows of the replaced database are not mixed in', () => {
    const { clock, open } = setup();
    let s = open();
    s.registerSink('influx');
    write(s, clock, 0, 10);
    drain(s, 'influx'); // acked: they stay in RAM
    s.close();
    s = open();
    s.db.exec('DROP TABLE store_identity'); // what restore.ts does to the file it puts in place
    s.db.close();
    s = open();
    expect(s.ram?.stats().foreign).toBe(true);
    expect(count(s, 'ram.sample')).toBe(0);
  });

  it('a RAM directory that cannot be made is refused with LG_STORE_OPEN naming it', () => {
    const { dir, open, ramTier } = setup();
    writeFileSync(join(dir, 'ram'), 'a file where the directory should be');
    expect(() => open()).toThrow(expect.objectContaining({ code: 'LG_STORE_OPEN' }));
    expect(() => open()).toThrow(ramTier.dir);
  });

  it('removes RAM files whose store file is gone, and leaves the others', () => {
    const a = setup();
    const b = setup({ dir: a.ramTier.dir });
    const sa = a.open();
    const sb = b.open();
    write(sa, a.clock, 0, 5);
    write(sb, b.clock, 0, 5);
    sb.close();
    rmSync(join(b.dir, 'data'), { recursive: true, force: true }); // b's data directory deleted
    sa.close();
    writeFileSync(join(a.ramTier.dir, 'ram-0123456789ab.db'), 'not a database'); // unreadable: left
    const again = a.open();
    expect(again.ram?.stats()).toMatchObject({ lostAtStart: false });
    expect(
      readdirSync(a.ramTier.dir)
        .filter((f) => f.endsWith('.db'))
        .sort(),
    ).toEqual([again.ram?.stats().file.split('/').at(-1), 'ram-0123456789ab.db'].sort());
  });

  it('says whether its directory is on a RAM file system (/dev/shm is, the checkout is not)', () => {
    const opts = { spillAfterMs: 1000, keepMs: 1000, maxBytes: 1 << 20 };
    const shm = mkdtempSync('/dev/shm/linegate-test-');
    const disk = mkdtempSync(join(process.cwd(), '.ram-test-'));
    try {
      expect(t.open(join(t.dir(), 'data'), { ramTier: { dir: shm, ...opts } }).ram?.stats().inRam).toBe(true);
      expect(t.open(join(t.dir(), 'data'), { ramTier: { dir: disk, ...opts } }).ram?.stats().inRam).toBe(
        false,
      );
    } finally {
      t.cleanup();
      rmSync(shm, { recursive: true, force: true });
      rmSync(disk, { recursive: true, force: true });
    }
  });

  it('two data directories never share a RAM file', () => {
    const a = setup();
    const b = setup({ dir: a.ramTier.dir });
    a.open();
    b.open();
    expect(readdirSync(a.ramTier.dir).filter((f) => f.endsWith('.db'))).toHaveLength(2);
    expect(existsSync(a.ramTier.dir)).toBe(true);
  });
});
