import { join } from 'node:path';
import { pino } from 'pino';
import { loadConfigText } from '../../config/load.js';
import { packageRoot } from '../../config/paths.js';
import type { LinegateConfig } from '../../config/types.js';
import type { Sample } from '../../gateway/core/sample.js';
import { ProductionService } from '../../gateway/production/service.js';
import { EventBus } from '../../gateway/runtime/event-bus.js';
import type { Store } from '../../gateway/store/index.js';
import type { StoreEvent } from '../../gateway/store/sample-writer.js';
import { createMachine, type MachineModel } from '../../simulators/machines/index.js';
import { RegisterImage } from '../../simulators/register-image.js';
import { findProfile } from '../../simulators/sim-profile.js';
import type { ManualClock } from '../helpers/manual-clock.js';

/**
 * A production day without wall-clock time: the simulators' behaviour models advance second by
 * second on a manual clock, their register images are read like a poll (engineering values by
 * point name) and fed to the bus as the acquisition layer would; the real ProductionService
 * (engine, tracker, SQLite repo in a real store) listens. No Modbus here: the wiring over real
 * Modbus is checked by tests/production/production-wiring.test.ts.
 */
export interface SimulatedMachine {
  readonly id: string;
  readonly model: MachineModel;
  readonly image: RegisterImage;
  /** Poll result, or null while the test cuts its communication. */
  online: boolean;
  /** Replace one point's value in the next poll (noise injection); cleared after it. */
  override: Record<string, number>;
}

export class DayHarness {
  readonly bus = new EventBus((err) => {
    throw err;
  });
  readonly events: StoreEvent[] = [];
  readonly machines = new Map<string, SimulatedMachine>();
  service: ProductionService;
  readonly config: LinegateConfig;

  constructor(
    yaml: string,
    readonly clock: ManualClock,
    readonly store: Store,
    sims: { id: string; profile: string; seed: number; initial?: Record<string, number> }[],
  ) {
    this.config = loadConfigText(yaml, 'day.yaml', { env: {} });
    const dirs = [join(packageRoot(), 'devices')];
    for (const s of sims) {
      const profile = findProfile(s.profile, dirs);
      const image = new RegisterImage(profile.points);
      const model = createMachine({
        profile,
        image,
        seed: s.seed,
        ...(s.initial ? { initial: s.initial } : {}),
      });
      model.init();
      this.machines.set(s.id, { id: s.id, model, image, online: true, override: {} });
    }
    this.service = this.newService();
  }

  newService(): ProductionService {
    const s = new ProductionService({
      config: this.config,
      db: this.store.db,
      bus: this.bus,
      appendEvents: (rows) => {
        this.events.push(...rows);
        this.store.appendEvents(rows);
      },
      clock: this.clock,
      log: pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }),
      tickMs: 5000,
    });
    s.start();
    return s;
  }

  /** A clean restart: the old service flushes and stops, a new one restores from the database. */
  restart(): void {
    this.service.stop();
    this.service = this.newService();
  }

  /** A power cut: nothing after the last flush reaches the disk; a new service restores. */
  powerCut(): void {
    this.bus.removeListeners(this.service);
    this.clock.dropTimers();
    this.service = this.newService();
  }

  setOnline(id: string, online: boolean): void {
    const m = this.machine(id);
    m.online = online;
    this.bus.emit('machine-status', {
      machine: id,
      online,
      ts: this.clock.now(),
      ...(online ? {} : { reason: 'test' }),
    });
  }

  machine(id: string): SimulatedMachine {
    const m = this.machines.get(id);
    if (!m) throw new Error(`no machine ${id}`);
    return m;
  }

  poll(): void {
    const ts = this.clock.now();
    for (const m of this.machines.values()) {
      if (!m.online) continue;
      const cfg = this.config.machines.find((x) => x.id === m.id);
      if (!cfg) continue;
      const samples: Sample[] = cfg.points.map((p) => {
        const raw = m.override[p.name] ?? m.image.get(p.name);
        const value = typeof raw === 'bigint' ? Number(raw) : (raw ?? null);
        return { machine: m.id, point: p.name, value, ts, quality: 'good' as const };
      });
      m.override = {};
      this.bus.emit('samples', samples);
    }
  }

  /** Steps every model by 1 s and moves the clock (timers fire: ticks, flushes). */
  step(): void {
    for (const m of this.machines.values()) m.model.step(1000);
    this.clock.advanceTo(this.clock.now() + 1000);
  }
}
