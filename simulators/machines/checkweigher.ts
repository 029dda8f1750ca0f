import { BaseMachine, type MachineDeps } from './base.js';

/**
 * Checkweigher behind a Delta DVP + Laumas transmitter (devices/checkweigher-delta-dvp-laumas.yaml).
 * Packs arrive at ~50/min and spend half the pitch on the weigh belt: the live gross weight shows
 * the pack (plus noise) while it is on the belt and ~0 between packs. Each pack weighs
 * target_weight + N(0.5 g, 1.6 g) and is counted as under, over or good against the tolerances;
 * under + over = rejects. The Laumas status word carries b0 load-cell error, b1 A/D fault, b3
 * overload, b7 gross negative and b11 weight stable.
 */
const TWO_32 = 2 ** 32;
const WINDOW_MS = 10_000;
const LOAD_CELL_ERROR = 1 << 0;
const ADC_ERROR = 1 << 1;
const OVERLOAD = 1 << 3;
const GROSS_NEGATIVE = 1 << 7;
const STABLE = 1 << 11;

export class CheckweigherMachine extends BaseMachine {
  readonly kind = 'checkweigher';
  total: number;
  good: number;
  rejects: number;
  under: number;
  over: number;
  private pitchMs = 1200;
  private pitchElapsedMs = 0;
  private packWeight = 0;
  private lastWeight = 0;
  private readonly recent: number[] = [];

  constructor(deps: MachineDeps) {
    super(deps);
    this.good = this.initial('good_count', 402_118) % TWO_32;
    this.under = this.initial('under_count', 3_870) % TWO_32;
    this.over = this.initial('over_count', 2_110) % TWO_32;
    this.rejects = (this.under + this.over) % TWO_32;
    this.total = (this.good + this.rejects) % TWO_32;
  }

  protected override defaults(): Record<string, number> {
    return { target_weight: 250, tolerance_under: 3, tolerance_over: 5 };
  }

  private get onBelt(): boolean {
    return this.producing && this.pitchElapsedMs < this.pitchMs / 2;
  }

  protected simulate(dt: number): void {
    while (this.recent.length > 0 && (this.recent[0] ?? 0) <= this.elapsedMs - WINDOW_MS) this.recent.shift();
    if (!this.producing) return;
    this.pitchElapsedMs += dt;
    if (this.pitchElapsedMs < this.pitchMs) return;
    this.pitchElapsedMs -= this.pitchMs;
    this.pitchMs = 60_000 / this.rng.between(46, 54);
    this.recent.push(this.elapsedMs);
    const target = this.param('target_weight', 250);
    this.packWeight = target + this.rng.gauss(0.5, 1.6);
    this.lastWeight = this.packWeight;
    this.total = (this.total + 1) % TWO_32;
    if (this.packWeight < target - this.param('tolerance_under', 3)) this.countReject('under');
    else if (this.packWeight > target + this.param('tolerance_over', 5)) this.countReject('over');
    else this.good = (this.good + 1) % TWO_32;
  }

  private countReject(kind: 'under' | 'over'): void {
    if (kind === 'under') this.under = (this.under + 1) % TWO_32;
    else this.over = (this.over + 1) % TWO_32;
    this.rejects = (this.rejects + 1) % TWO_32;
  }

  protected publish(): void {
    const gross = this.onBelt ? this.noisy(this.packWeight, 0.15) : this.noisy(0, 0.1);
    const faulted = (code: number): boolean => this.status === 'fault' && this.faultCode === code;
    let status = 0;
    if (faulted(1)) status |= LOAD_CELL_ERROR;
    if (faulted(2)) status |= ADC_ERROR;
    if (faulted(3)) status |= OVERLOAD;
    if (gross < 0) status |= GROSS_NEGATIVE;
    if (!this.onBelt || this.pitchElapsedMs > this.pitchMs / 4) status |= STABLE;
    this.write('weigh_status', status);
    this.write('load_cell_error', (status & LOAD_CELL_ERROR) !== 0);
    this.write('weight_stable', (status & STABLE) !== 0);
    this.write('gross_weight', gross);
    this.write('net_weight', gross);
    this.write('last_weight', this.lastWeight);
    this.write('total_count', this.total);
    this.write('good_count', this.good);
    this.write('reject_count', this.rejects);
    this.write('under_count', this.under);
    this.write('over_count', this.over);
    this.write('speed', (this.recent.length * 60_000) / WINDOW_MS);
  }
}
