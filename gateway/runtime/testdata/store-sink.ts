/**
 * Test support for running sinks over a real store outbox: a silent logger, a line encoder,
 * temp stores, and the sinks started by the test, all stopped and removed after each test.
 */
import { type Logger, pino } from 'pino';
import { afterEach } from 'vitest';
import { createLineEncoder } from '../../sinks/influx/line-protocol.js';
import { type TempStores, tempStores } from '../../store/testdata/temp-store.js';
import type { RunningSink } from '../running-sink.js';

export interface StoreSinkHarness {
  readonly log: Logger;
  readonly encode: ReturnType<typeof createLineEncoder>;
  readonly t: TempStores;
  /** Push every sink started: stopped after the test. */
  readonly running: RunningSink[];
}

/** Call once at the top of a test file (registers its own afterEach). */
export function storeSinkHarness(): StoreSinkHarness {
  const h: StoreSinkHarness = {
    log: pino({ level: 'silent' }),
    encode: createLineEncoder({ tagsFor: () => ({ site: 's', line: 'l' }) }),
    t: tempStores(),
    running: [],
  };
  afterEach(async () => {
    await Promise.all(h.running.splice(0).map((s) => s.stop()));
    h.t.cleanup();
  });
  return h;
}
