/**
 * What the store does for its RAM tier (ram-tier.ts, minute-blocks.ts) around its own work:
 * after each flush, move what is due to the card and pack the closed hours' minutes; at start,
 * count what a lost RAM file took; at close, pack every closed minute and move every unacked row
 * to the card (a reboot empties RAM). A failure is logged and tried again at the next flush; at
 * close it is logged as an error (those rows stay in RAM: a reboot would lose them).
 *
 * Calling rules: one per Store, built after its writer and sinks; called only by store.ts.
 */
import type { Database } from 'better-sqlite3';
import type { Logger } from 'pino';
import type { Counters } from './counters.js';
import type { MinuteBlocks } from './minute-blocks.js';
import { type RamTier, rowsLostWithRam } from './ram-tier.js';
import type { SampleWriter } from './sample-writer.js';
import type { SinkRegistry } from './sinks.js';

export interface RamDutiesDeps {
  readonly db: Database;
  readonly ram: RamTier;
  readonly blocks: MinuteBlocks;
  readonly sinks: SinkRegistry;
  readonly writer: SampleWriter;
  /** Writes the sink cursors held in memory to the card. */
  readonly persistAcks: () => void;
  readonly log?: Logger;
}

export class RamDuties {
  constructor(private readonly deps: RamDutiesDeps) {}

  /** After each flush: moves what is due to the card, drops what is acked and old, packs closed hours. */
  afterFlush(now: number): void {
    const { ram, sinks, writer, log } = this.deps;
    try {
      ram.maintain(now, this.ackedByAll(), sinks.lastSeq());
    } catch (err) {
      log?.warn({ err }, 'RAM tier: rows not moved to the card, trying again at the next flush');
    }
    this.pack(writer.openRollups.hourHorizon);
  }

  /** At start, the RAM file was missing: the rows each sink had not acked are counted (reason `ram`). */
  countLoss(counters: Counters, file: string): void {
    const { db, sinks, writer, log } = this.deps;
    const top = writer.seqToWrite - 1;
    const lost: Record<string, number> = {};
    db.transaction(() => {
      for (const { name, cursor } of sinks.list()) {
        lost[name] = rowsLostWithRam(db, cursor, top);
        counters.add('ram', name, lost[name] as number);
      }
      sinks.dropAllLanes();
    })();
    log?.warn(
      { file, unsentBySink: lost },
      'RAM tier started empty (power cut or reboot): the rows it held are gone',
    );
  }

  /** At close, after the open minutes were closed: every closed minute to the card. */
  packAll(): void {
    this.pack(Number.MAX_SAFE_INTEGER);
  }

  /** At close, last: the rows no sink has acked go to the card. */
  spillUnacked(): void {
    try {
      const moved = this.deps.ram.spillUnacked(this.ackedByAll());
      if (moved > 0) this.deps.log?.info({ moved }, 'RAM tier: unacked rows moved to the card');
    } catch (err) {
      this.deps.log?.error({ err }, 'RAM tier: unacked rows could not be moved to the card');
    }
  }

  /** The closed minutes before `below` into the card's blocks, with the card's copies of the 1m horizon and the cursors. */
  private pack(below: number): void {
    const { blocks, writer, persistAcks, log } = this.deps;
    try {
      if (blocks.pack(below) === 0) return;
      writer.openRollups.saveCardHorizon();
      persistAcks(); // the card's cursors: once an hour
    } catch (err) {
      log?.warn({ err }, 'RAM tier: 1-minute rollups not packed to the card, trying again at the next flush');
    }
  }

  /** Every row with seq <= this is acked by every sink (Infinity with no sink). */
  private ackedByAll(): number {
    let min = Number.POSITIVE_INFINITY;
    for (const s of this.deps.sinks.list()) min = Math.min(min, s.cursor);
    return min;
  }
}
