import { BaseMachine, type MachineDeps } from './base.js';
import { ThermalLoop } from './thermal.js';

/**
 * Rice-crust fryer behind a Delta DVP + Omron E5CC (devices/rice-crust-fryer-delta-dvp-e5cc.yaml).
 * A basket fries for basket_time_set (default 150 s), drains 30 s and is counted; the next basket
 * goes in cold and the oil temperature dips 12–18 °C, then recovers. Oil is absorbed by the
 * product and topped up when the level falls below 60 %. The E5CC status word shows AL1 on an
 * over-temperature fault and input error on a sensor fault.
 */
type Phase = 'frying' | 'draining';

const E5CC_INPUT_ERROR = 1 << 6;
const E5CC_HB_ALARM = 1 << 10;
const E5CC_AL1 = 1 << 12;

export class FryerMachine extends BaseMachine {
  readonly kind = 'fryer';
  baskets: number;
  phase: Phase = 'frying';
  private phaseMs = 0;
  private level = this.initial('oil_level', 85);
  private readonly oil = new ThermalLoop(
    { ambient: 30, heatTauMs: 60_000, coolTauMs: 1_800_000, maxTemperature: 260 },
    this.initial('oil_temperature', 172),
  );

  constructor(deps: MachineDeps) {
    super(deps);
    this.baskets = this.initial('basket_count', 0);
  }

  protected override defaults(): Record<string, number> {
    return { oil_temperature_sp: 175, basket_time_set: 150, basket_weight: 4.5 };
  }

  protected override runningStateCode(): number {
    if (this.status === 'idle') return 1;
    if (this.oil.pv < this.param('oil_temperature_sp', 175) - 25) return 2;
    return this.phase === 'frying' ? 3 : 4;
  }

  protected simulate(dt: number): void {
    const sp = this.param('oil_temperature_sp', 175);
    const on = this.status === 'running' || this.status === 'idle';
    this.oil.step(dt, sp, on);
    if (!this.producing || this.oil.pv < sp - 25) return;
    this.phaseMs += dt;
    if (this.phase === 'frying' && this.phaseMs >= this.param('basket_time_set', 150) * 1000) {
      this.phase = 'draining';
      this.phaseMs = 0;
    } else if (this.phase === 'draining' && this.phaseMs >= 30_000) {
      this.baskets = (this.baskets + 1) % 65536;
      this.phase = 'frying';
      this.phaseMs = 0;
      this.oil.disturb(this.rng.between(12, 18));
      this.level -= this.rng.between(0.4, 0.8);
      if (this.level < 60) this.level = 90;
    }
  }

  protected publish(): void {
    const mv = this.status === 'fault' ? 0 : this.oil.mv;
    let status = 0;
    if (this.status === 'fault' && this.faultCode === 1) status |= E5CC_AL1;
    if (this.status === 'fault' && this.faultCode === 3) status |= E5CC_INPUT_ERROR;
    if (this.status === 'fault' && this.faultCode === 4) status |= E5CC_HB_ALARM;
    this.write('oil_temperature', this.noisy(this.oil.pv, 0.15));
    this.write('heater_mv', mv);
    this.write('heater_current', mv > 0 ? Math.max(0, this.noisy((14 * mv) / 100, 0.1)) : 0);
    this.write('controller_status', status);
    this.write('oil_level', this.noisy(this.level, 0.2));
    this.write(
      'basket_time',
      this.phase === 'frying' && this.producing ? Math.floor(this.phaseMs / 1000) : 0,
    );
    this.write('basket_count', this.baskets);
  }
}
