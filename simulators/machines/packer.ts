import { BaseMachine, type MachineDeps } from './base.js';

/**
 * Vertical form-fill-seal packer behind a Delta DVP (devices/packer-delta-dvp.yaml). Packs at
 * speed_set (default 50 packs/min, ±3 % jitter); each dose weighs pack_weight_set + N(0, 0.8 g);
 * about 1.5 % of packs are rejected (empty bag, splice, no print). Counters are 32-bit and wrap at
 * 2^32, low word first on the wire (CDAB). Speed is measured over a 10 s window like the PLC does.
 */
const TWO_32 = 2 ** 32;
const WINDOW_MS = 10_000;

export class PackerMachine extends BaseMachine {
  readonly kind = 'packer';
  good: number;
  rejects: number;
  private progress = 0;
  private lastWeight = 0;
  private readonly recent: number[] = [];
  private readonly rejectRate: number;

  constructor(deps: MachineDeps) {
    super(deps);
    this.good = this.initial('good_count', 1_234_567) % TWO_32;
    this.rejects = this.initial('reject_count', 18_520) % TWO_32;
    this.rejectRate = this.initial('reject_rate', 0.015);
  }

  protected override defaults(): Record<string, number> {
    return { speed_set: 50, pack_weight_set: 250, bag_length: 180, recipe: 3 };
  }

  protected simulate(dt: number): void {
    while (this.recent.length > 0 && (this.recent[0] ?? 0) <= this.elapsedMs - WINDOW_MS) this.recent.shift();
    if (!this.producing) return;
    const rate = this.param('speed_set', 50) * (1 + this.rng.gauss(0, 0.03));
    this.progress += (Math.max(0, rate) * dt) / 60_000;
    while (this.progress >= 1) {
      this.progress -= 1;
      this.recent.push(this.elapsedMs);
      this.lastWeight = this.param('pack_weight_set', 250) + this.rng.gauss(0, 0.8);
      if (this.rng.chance(this.rejectRate)) this.rejects = (this.rejects + 1) % TWO_32;
      else this.good = (this.good + 1) % TWO_32;
    }
  }

  protected publish(): void {
    const hot = this.status !== 'stopped';
    this.write('good_count', this.good);
    this.write('reject_count', this.rejects);
    this.write('speed', (this.recent.length * 60_000) / WINDOW_MS);
    this.write('last_pack_weight', Math.max(0, this.lastWeight));
    this.write('vertical_seal_temperature', this.noisy(hot ? 165 : 60, 0.4));
    this.write('horizontal_seal_temperature', this.noisy(hot ? 150 : 55, 0.4));
  }
}
