import { fork } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { tempStores } from './testdata/temp-store.js';

/**
 * kill -9 of a process replaying a backlog through two lanes (outbox `next` + `nextLive`),
 * restarted on the same file several times: no row is lost (each was delivered before an ack,
 * or is still unsent afterwards), whatever moment the kills hit. Resending is allowed.
 * The child runs the built store (dist/, made by `npm run build`, which `npm test` runs first).
 */
const root = join(import.meta.dirname, '..', '..');
const distIndex = join(root, 'dist', 'gateway', 'store', 'index.js');
const child = join(import.meta.dirname, 'testdata', 'lanes-child.mjs');
const built = existsSync(distIndex);
const ci = process.env.CI === 'true';
if (!built && !ci) process.stderr.write(`SKIP outbox-lanes.kill9: ${distIndex} missing (npm run build)\n`);

const t = tempStores();
afterEach(() => t.cleanup());

interface Seen {
  delivered: Set<number>;
  live: number;
}

async function runAndKill(dir: string, afterMs: number, seen: Seen): Promise<void> {
  const proc = fork(child, [distIndex, dir], { stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
  let stderr = '';
  proc.stderr?.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  const exited = new Promise<NodeJS.Signals | number | null>((resolve) =>
    proc.on('exit', (code, signal) => resolve(signal ?? code)),
  );
  await new Promise<void>((resolve, reject) => {
    proc.on('message', (m: { ready?: boolean; delivered?: number[]; lane?: string }) => {
      if (m.ready) resolve();
      for (const id of m.delivered ?? []) seen.delivered.add(id);
      if (m.lane === 'live') seen.live++;
    });
    exited.then((how) => reject(new Error(`child exited (${String(how)}) before it was ready: ${stderr}`)));
  });
  await new Promise((r) => setTimeout(r, afterMs));
  proc.kill('SIGKILL');
  expect(await exited).toBe('SIGKILL');
}

describe('kill -9 during a replay with a live lane', () => {
  it.skipIf(!built && !ci)(
    'loses no row over 6 kills and restarts',
    async () => {
      if (!built) throw new Error(`${distIndex} is missing: run npm run build first (npm test does)`);
      const dir = t.dir();
      const seen: Seen = { delivered: new Set(), live: 0 };
      for (const afterMs of [60, 130, 45, 200, 90, 160]) await runAndKill(dir, afterMs, seen);

      const s = t.open(dir);
      expect(s.integrityCheck()).toEqual(['ok']);
      const written = s.db.prepare('SELECT count(*) FROM sample').pluck().get() as number;
      const out = s.outbox('influx');
      // Drain both lanes, as a restarted sink would.
      const drained = new Set<number>();
      for (let i = 0; i < 10_000; i++) {
        const b = out.next(1000);
        const l = out.nextLive(1000, 1000);
        for (const r of [...b.rows, ...l.rows]) if (r.kind === 'sample') drained.add(r.value as number);
        out.ack(b);
        out.ack(l);
        if (b.rows.length === 0 && l.rows.length === 0) break;
      }
      expect(out.depth()).toBe(0);
      const missing: number[] = [];
      for (let id = 0; id < written; id++) if (!seen.delivered.has(id) && !drained.has(id)) missing.push(id);
      expect(missing).toEqual([]);
      expect(seen.live, 'the live lane was used before the kills').toBeGreaterThan(0);
      expect(written).toBeGreaterThan(20_000);
    },
    60_000,
  );
});
