import { BaseMachine, type MachineDeps } from './base.js';
import { approach } from './thermal.js';

/**
 * Eastron SDM120 on a heater circuit (devices/energy-meter-eastron-sdm120.yaml). The load
 * switches between a base load (~1.2 kW: fans, motors) and base + heater (~4.5 kW) every few
 * minutes; voltage wanders around 228 V, frequency around 50 Hz; energy integrates the power in
 * float64 and is published as float32, like the meter. A meter has no run or fault signal, so
 * the status spells of BaseMachine only change the load (stopped = 0.02 kW standby).
 */
export class EnergyMeterMachine extends BaseMachine {
  readonly kind = 'energy_meter';
  energyKWh: number;
  private voltage = 228;
  private powerW = 1200;
  private heaterOn = true;
  private switchInMs = 120_000;

  constructor(deps: MachineDeps) {
    super(deps);
    this.energyKWh = this.initial('import_energy', 1520.4);
  }

  protected simulate(dt: number): void {
    this.switchInMs -= dt;
    if (this.switchInMs <= 0) {
      this.heaterOn = !this.heaterOn;
      this.switchInMs = this.rng.between(60_000, 240_000);
    }
    const target = this.status === 'stopped' ? 20 : 1200 + (this.heaterOn && this.producing ? 3300 : 0);
    this.powerW = approach(this.powerW, target, 1500, dt);
    this.voltage = approach(this.voltage, 228 + this.rng.gauss(0, 3), 20_000, dt);
    this.energyKWh += (this.powerW * dt) / 3_600_000_000;
  }

  protected publish(): void {
    const p = this.noisy(this.powerW, this.powerW * 0.003);
    const pf = this.heaterOn ? 0.98 : 0.86;
    const s = p / pf;
    const v = this.noisy(this.voltage, 0.1);
    this.write('voltage', v);
    this.write('current', s / v);
    this.write('active_power', p);
    this.write('apparent_power', s);
    this.write('reactive_power', Math.sqrt(Math.max(0, s * s - p * p)));
    this.write('power_factor', pf);
    this.write('frequency', this.noisy(50, 0.02));
    this.write('import_energy', this.energyKWh);
    this.write('total_energy', this.energyKWh);
  }
}
