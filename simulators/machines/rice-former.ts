import { BaseMachine, type MachineDeps } from './base.js';
import { approach } from './thermal.js';

/**
 * Rice forming machine behind a Siemens S7-1200 (devices/rice-former-s7-1200.yaml). Forms
 * portions at ~24 pcs/min; each portion weighs portion_weight_set + N(0, 1.5 g) and is rejected
 * when it misses the set weight by more than 3.5 g (≈ 2 %). The hopper empties by ~0.15 % per
 * portion; below 15 % `hopper_low` is set, below 3 % the machine idles until the operator refills
 * it (after 60–120 s). Floats and 32-bit counters are big-endian (ABCD) as S7 stores them.
 */
const TWO_32 = 2 ** 32;
const WINDOW_MS = 10_000;

export class RiceFormerMachine extends BaseMachine {
  readonly kind = 'rice_former';
  good: number;
  rejects: number;
  private progress = 0;
  private lastWeight = 0;
  private hopper = this.initial('hopper_level', 80);
  private riceTemperature = this.initial('rice_temperature', 62);
  private refillInMs = 0;
  private readonly recent: number[] = [];

  constructor(deps: MachineDeps) {
    super(deps);
    this.good = this.initial('good_count', 52_300) % TWO_32;
    this.rejects = this.initial('reject_count', 940) % TWO_32;
  }

  protected override defaults(): Record<string, number> {
    return { portion_weight_set: 100, recipe: 2 };
  }

  override init(): void {
    this.write('product_name', 'COM NAM 100G');
    super.init();
  }

  protected override runningStateCode(): number {
    return this.status === 'idle' || this.starved ? 1 : 2;
  }

  private get starved(): boolean {
    return this.hopper < 3;
  }

  protected simulate(dt: number): void {
    while (this.recent.length > 0 && (this.recent[0] ?? 0) <= this.elapsedMs - WINDOW_MS) this.recent.shift();
    this.riceTemperature = approach(this.riceTemperature, this.refillInMs > 0 ? 48 : 55, 1_200_000, dt);
    if (this.starved) {
      if (this.refillInMs <= 0) this.refillInMs = this.rng.between(60_000, 120_000);
      this.refillInMs -= dt;
      if (this.refillInMs <= 0) {
        this.hopper = this.rng.between(92, 98);
        this.riceTemperature = 64;
      }
      return;
    }
    if (!this.producing) return;
    this.progress += (this.rng.between(22, 26) * dt) / 60_000;
    while (this.progress >= 1) {
      this.progress -= 1;
      this.recent.push(this.elapsedMs);
      const set = this.param('portion_weight_set', 100);
      this.lastWeight = set + this.rng.gauss(0, 1.5);
      if (Math.abs(this.lastWeight - set) > 3.5) this.rejects = (this.rejects + 1) % TWO_32;
      else this.good = (this.good + 1) % TWO_32;
      this.hopper = Math.max(0, this.hopper - this.rng.between(0.1, 0.2));
    }
  }

  protected publish(): void {
    this.write('good_count', this.good);
    this.write('reject_count', this.rejects);
    this.write('last_portion_weight', this.lastWeight);
    this.write('speed', (this.recent.length * 60_000) / WINDOW_MS);
    this.write('hopper_level', this.hopper);
    this.write('hopper_low', this.hopper < 15);
    this.write('door_open', this.status === 'fault' && this.faultCode === 4);
    this.write('rice_temperature', this.noisy(this.riceTemperature, 0.1));
  }
}
