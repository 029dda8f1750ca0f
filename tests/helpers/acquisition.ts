import { pino } from 'pino';
import { loadConfigText } from '../../config/load.js';
import type { LinegateConfig } from '../../config/types.js';
import type { MachineStatusEvent } from '../../gateway/core/events.js';
import type { Sample } from '../../gateway/core/sample.js';
import { buildAcquisition } from '../../gateway/main.js';

/**
 * Runs the real acquisition stack (links, schedulers, sources, supervisor) from a YAML config
 * text and records everything it emits, for integration tests against real Modbus peers.
 */
export interface AcquisitionHarness {
  readonly config: LinegateConfig;
  readonly samples: Sample[];
  readonly statuses: MachineStatusEvent[];
  /** Resolves with the first sample matching `pred` that arrives after the call (bounded). */
  next(pred: (s: Sample) => boolean, timeoutMs?: number): Promise<Sample>;
  latest(machine: string, point: string): Sample | undefined;
  stats(
    machine: string,
  ): ReturnType<
    NonNullable<ReturnType<ReturnType<typeof buildAcquisition>['supervisor']['stats']>>['snapshot']
  >;
  stop(): Promise<void>;
}

export const SITE = `
site: { id: htx-test, name: HTX thử }
lines: [{ id: line-1, name: Dây chuyền 1 }]
`;

export function startAcquisition(yaml: string): AcquisitionHarness {
  const config = loadConfigText(yaml, 'test.yaml', { env: {} });
  const log = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
  const { supervisor } = buildAcquisition(config, log);
  const samples: Sample[] = [];
  const statuses: MachineStatusEvent[] = [];
  const waiters = new Set<(s: Sample) => void>();
  const owner = {};
  supervisor.bus.on('samples', owner, (batch) => {
    for (const s of batch) {
      samples.push(s);
      for (const w of waiters) w(s);
    }
  });
  supervisor.bus.on('machine-status', owner, (e) => statuses.push(e));
  supervisor.start();
  let stopped = false;
  return {
    config,
    samples,
    statuses,
    next(pred, timeoutMs = 10_000) {
      return new Promise((resolve, reject) => {
        const t = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`no matching sample within ${timeoutMs} ms`));
        }, timeoutMs);
        const check = (s: Sample) => {
          if (!pred(s)) return;
          clearTimeout(t);
          waiters.delete(check);
          resolve(s);
        };
        waiters.add(check);
      });
    },
    latest(machine, point) {
      for (let i = samples.length - 1; i >= 0; i--) {
        const s = samples[i];
        if (s && s.machine === machine && s.point === point) return s;
      }
      return undefined;
    },
    stats(machine) {
      const s = supervisor.stats(machine);
      if (!s) throw new Error(`no machine ${machine}`);
      return s.snapshot();
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      await supervisor.stop();
    },
  };
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
