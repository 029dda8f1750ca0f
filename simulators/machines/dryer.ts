import { BaseMachine, type MachineDeps } from './base.js';
import { ThermalLoop } from './thermal.js';

/**
 * Tea dryer under an Autonics TK controller (devices/tea-dryer-autonics-tk4.yaml). Hot air heats
 * toward the set point; every batch (default 20 min) fresh wet leaves go in and the air
 * temperature dips, then recovers. The TK cannot count, so the batch count is written only if the
 * profile has a `batch_count` point. AL1 is the fault signal; OUT1 follows a 2 s time-proportional
 * cycle of the MV. setDecimalPoint() flips the TK's dP setting so a test can check rescaling.
 */
export class DryerMachine extends BaseMachine {
  readonly kind = 'dryer';
  batches = 0;
  private decimalPoint = this.initial('decimal_point', 1);
  private readonly air = new ThermalLoop(
    { ambient: 30, heatTauMs: 240_000, coolTauMs: 900_000, maxTemperature: 140 },
    this.initial('pv', 30),
  );
  private batchElapsedMs = 0;

  constructor(deps: MachineDeps) {
    super(deps);
    this.batches = this.initial('batch_count', 0);
  }

  /** The TK's dP parameter: 0 → whole degrees, 1 → 0.1 °C … (input register 0x03E9). */
  setDecimalPoint(dp: 0 | 1 | 2 | 3): void {
    this.decimalPoint = dp;
    this.publish();
  }

  protected override defaults(): Record<string, number> {
    return { display_unit: 0 };
  }

  private get setPoint(): number {
    return this.initial('sv', 95);
  }

  private get batchMs(): number {
    return this.initial('batch_minutes', 20) * 60_000;
  }

  protected simulate(dt: number): void {
    const heating = this.status === 'running' || this.status === 'idle';
    this.air.step(dt, this.setPoint, heating);
    if (!this.producing) return;
    this.batchElapsedMs += dt;
    if (this.batchElapsedMs >= this.batchMs) {
      this.batchElapsedMs = 0;
      this.batches = (this.batches + 1) % 65536;
      this.air.disturb(this.rng.between(10, 18));
    }
  }

  protected publish(): void {
    const scale = 10 ** -this.decimalPoint;
    const mv = this.status === 'fault' ? 0 : this.air.mv;
    this.write('pv', this.noisy(this.air.pv, 0.15), scale);
    this.write('sv', this.setPoint, scale);
    this.write('decimal_point', this.decimalPoint);
    this.write('heating_mv', mv);
    this.write('out1', (this.elapsedMs % 2000) / 2000 < mv / 100);
    this.write('al1', this.status === 'fault');
    this.write('al2', false);
    this.write('heater_current', mv > 0 ? Math.max(0, this.noisy((18.5 * mv) / 100, 0.1)) : 0);
    this.write('batch_count', this.batches);
  }
}
