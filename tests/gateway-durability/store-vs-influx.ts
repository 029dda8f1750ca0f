/**
 * Compares what the gateway's store holds with what InfluxDB holds, point by point: for the
 * kill -9 suite. Opens the store file directly (the gateway must be dead or stopped).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { decodeQuality, decodeValue } from '../../gateway/store/value-codec.js';
import type { InfluxdbServer, InfluxRow } from '../peers/influxdb.js';

export interface StoredPoint {
  readonly seq: number;
  readonly value: number | boolean | string | null;
  readonly quality: string;
}

export interface StoreSnapshot {
  /** machine|point|ts → every stored row with that key (duplicates possible only after a crash). */
  readonly points: Map<string, StoredPoint[]>;
  readonly maxSeq: number;
  readonly sampleRows: number;
  readonly cursor: number;
  readonly integrity: string[];
  /** `gateway_event` rows: kind|ts of those at or below the cursor. */
  readonly eventsAcked: string[];
}

export function readStore(dataDir: string, sink: string): StoreSnapshot {
  // Read-only: a hot WAL left by a kill stays for the gateway to recover, as after a power cut.
  const db = new Database(join(dataDir, 'linegate.db'), { readonly: true });
  try {
    const rows = db
      .prepare(
        `SELECT s.seq, s.ts, se.machine, se.point, s.value, s.flags
           FROM sample s JOIN series se ON se.id = s.series ORDER BY s.seq`,
      )
      .all() as { seq: number; ts: number; machine: string; point: string; value: unknown; flags: number }[];
    const points = new Map<string, StoredPoint[]>();
    for (const r of rows) {
      const key = `${r.machine}|${r.point}|${r.ts}`;
      const v = decodeValue(r.value, r.flags);
      const p: StoredPoint = {
        seq: r.seq,
        value: typeof v === 'number' && Number.isNaN(v) ? null : v,
        quality: decodeQuality(r.flags),
      };
      const list = points.get(key);
      if (list) list.push(p);
      else points.set(key, [p]);
    }
    const cursor = db.prepare('SELECT cursor FROM sink WHERE name = ?').pluck().get(sink) as number;
    const maxSeq = (db
      .prepare('SELECT max(m) FROM (SELECT max(seq) AS m FROM sample UNION ALL SELECT max(seq) FROM event)')
      .pluck()
      .get() ?? 0) as number;
    const events = db
      .prepare(`SELECT ts, tags FROM event WHERE measurement = 'gateway_event' AND seq <= ?`)
      .all(cursor) as { ts: number; tags: string }[];
    const integrity = (db.pragma('integrity_check') as { integrity_check: string }[]).map(
      (r) => r.integrity_check,
    );
    return {
      points,
      maxSeq,
      sampleRows: rows.length,
      cursor,
      integrity,
      eventsAcked: events.map((e) => `${(JSON.parse(e.tags) as { kind: string }).kind}|${e.ts}`),
    };
  } finally {
    db.close();
  }
}

/** Raw samples in the store (0 before the gateway first created it). */
export function countSamples(dataDir: string): number {
  if (!existsSync(join(dataDir, 'linegate.db'))) return 0;
  // Read-only: a hot WAL left by a kill stays for the gateway to recover, as after a power cut.
  const db = new Database(join(dataDir, 'linegate.db'), { readonly: true });
  try {
    const exists = db.prepare(`SELECT 1 FROM sqlite_master WHERE name = 'sample'`).get();
    return exists ? (db.prepare('SELECT count(*) FROM sample').pluck().get() as number) : 0;
  } finally {
    db.close();
  }
}

export interface InfluxPoint {
  readonly value: number | boolean | string | null;
  readonly quality: string;
}

/** Every telemetry point in InfluxDB, keyed machine|point|ts (ms). */
export async function readInflux(
  influx: InfluxdbServer,
  database: string,
): Promise<Map<string, InfluxPoint>> {
  const rows = await query(
    influx,
    database,
    `SELECT "value", "value_bool", "value_text", "quality" FROM "telemetry" GROUP BY "machine", "point"`,
  );
  const out = new Map<string, InfluxPoint>();
  for (const r of rows) {
    const value = (r.value ?? r.value_bool ?? r.value_text ?? null) as InfluxPoint['value'];
    out.set(`${String(r.machine)}|${String(r.point)}|${r.time.getTime()}`, {
      value,
      quality: String(r.quality),
    });
  }
  return out;
}

/** `gateway_event` points in InfluxDB, as kind|ts. */
export async function readInfluxEvents(influx: InfluxdbServer, database: string): Promise<Set<string>> {
  const rows = await query(influx, database, `SELECT "message" FROM "gateway_event" GROUP BY "kind"`);
  return new Set(rows.map((r) => `${String(r.kind)}|${r.time.getTime()}`));
}

async function query(influx: InfluxdbServer, database: string, q: string): Promise<InfluxRow[]> {
  const rows = await influx.client.query(q, { database, precision: 'ms' });
  return rows.map((row) => ({ ...(row as object) }) as InfluxRow);
}

export interface Comparison {
  /** Stored rows at or below the sink's cursor (acked) that InfluxDB does not have. */
  readonly missing: string[];
  /** Points whose value or quality differ between the store and InfluxDB. */
  readonly different: string[];
  /** InfluxDB points the store never held. */
  readonly unknown: string[];
  /** Keys stored more than once with different contents. */
  readonly conflictingDuplicates: string[];
  readonly duplicateKeys: number;
  readonly ackedKeys: number;
}

export function compare(store: StoreSnapshot, influx: Map<string, InfluxPoint>): Comparison {
  const missing: string[] = [];
  const different: string[] = [];
  const conflictingDuplicates: string[] = [];
  let duplicateKeys = 0;
  let ackedKeys = 0;
  for (const [key, list] of store.points) {
    const first = list[0] as StoredPoint;
    if (list.length > 1) {
      duplicateKeys++;
      if (list.some((p) => p.value !== first.value || p.quality !== first.quality))
        conflictingDuplicates.push(key);
    }
    if (!list.some((p) => p.seq <= store.cursor)) continue;
    ackedKeys++;
    const got = influx.get(key);
    if (!got) missing.push(key);
    else if (got.value !== first.value || got.quality !== first.quality)
      different.push(
        `${key}: store ${String(first.value)}/${first.quality}, influx ${String(got.value)}/${got.quality}`,
      );
  }
  const unknown = [...influx.keys()].filter((k) => !store.points.has(k));
  return { missing, different, unknown, conflictingDuplicates, duplicateKeys, ackedKeys };
}
