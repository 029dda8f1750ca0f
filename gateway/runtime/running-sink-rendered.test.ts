import { describe, expect, it } from 'vitest';
import { waitFor } from '../../tests/helpers/wait.js';
import type { LineWriter, WriteResult } from '../sinks/types.js';
import type { Store } from '../store/store.js';
import { sample } from '../store/testdata/temp-store.js';
import { RunningSink } from './running-sink.js';
import { storeSinkHarness } from './testdata/store-sink.js';

/**
 * A sink over the store's outbox with a line encoder reads batches the store rendered in SQL
 * (outbox-render.ts). After a failure the batch goes on as rows: a refused line is found and
 * quarantined by row, a retry delivers every row once, in order.
 */
const { log, encode, t, running } = storeSinkHarness();

const T0 = Date.UTC(2026, 0, 1);
const lineValue = (line: string) => Number(/ value=([^,]+),/.exec(line)?.[1]);

/** Like InfluxDB 1.x: refuses lines whose value is `poison` by index, writes the others. */
function server(opts: { poison?: number; failFirst?: boolean }) {
  const delivered: number[] = [];
  const bodies: string[] = [];
  let requests = 0;
  const answer = (lines: readonly string[]): WriteResult => {
    requests++;
    if (opts.failFirst && requests === 1)
      return { ok: false, kind: 'retry', message: 'HTTP 503', status: 503 };
    const bad = lines.flatMap((l, i) => (lineValue(l) === opts.poison ? [i] : []));
    for (const l of lines) if (lineValue(l) !== opts.poison) delivered.push(lineValue(l));
    return bad.length > 0
      ? { ok: false, kind: 'bad-lines', lines: bad, message: 'partial write: bad value' }
      : { ok: true };
  };
  const writer: LineWriter = {
    target: 'scripted',
    write: async (lines) => answer(lines),
    writeBody: async (body) => {
      bodies.push(body.bytes().toString('utf8'));
      return answer(body.lines());
    },
  };
  return { writer, delivered, bodies, requests: () => requests };
}

function filled(n: number): Store {
  const store = t.open(t.dir());
  store.registerSink('influx', { from: 'start' });
  store.append(Array.from({ length: n }, (_, i) => sample('m', `p${i % 4}`, i, T0 + i)));
  store.flush();
  return store;
}

function start(store: Store, writer: LineWriter): RunningSink {
  const sink = new RunningSink({
    outbox: store.outbox('influx'),
    encode,
    writer,
    log,
    batchSize: 10,
    idlePollMs: 5,
    backoff: { baseMs: 1, maxMs: 2 },
    maxInFlight: 2,
  });
  running.push(sink);
  sink.start();
  return sink;
}

describe('running sink over rendered batches', () => {
  it('sends the store-rendered body, and a refused line is quarantined by row, the rest delivered', async () => {
    const store = filled(25);
    const s = server({ poison: 13 });
    const sink = start(store, s.writer);
    const out = store.outbox('influx');
    await waitFor(() => out.depth() === 0);
    expect(s.bodies[0]).toContain(' value=0.0,quality="good" '); // SQLite's spelling: rendered
    expect(s.delivered.filter((v, i, a) => a.indexOf(v) === i).sort((a, b) => a - b)).toEqual(
      [...Array(25).keys()].filter((v) => v !== 13),
    );
    const quarantined = store.db.prepare('SELECT seq, reason FROM quarantine').all() as { reason: string }[];
    expect(quarantined).toHaveLength(1);
    expect(quarantined[0]?.reason).toContain('bad value');
    expect(store.db.prepare('SELECT row FROM quarantine').pluck().get()).toContain('"value":13');
    expect(sink.status()).toMatchObject({ pointsSent: 24, linesQuarantined: 1 });
  });

  it('a failed rendered request is retried and every row arrives once, in order', async () => {
    const store = filled(35);
    const s = server({ failFirst: true });
    start(store, s.writer);
    await waitFor(() => store.outbox('influx').depth() === 0);
    // The first request failed; the retry may repeat rows the early request carried, never skip.
    const firstSeen = s.delivered.filter((v, i, a) => a.indexOf(v) === i);
    expect(firstSeen).toEqual([...Array(35).keys()]);
  });
});
