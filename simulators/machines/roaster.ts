import { BaseMachine, type MachineDeps } from './base.js';
import { clamp, ThermalLoop } from './thermal.js';

/**
 * Tea drum roaster behind a Delta DVP (devices/tea-roaster-delta-dvp.yaml). A batch is: loading
 * (60 s, the drum temperature drops as fresh leaves go in), roasting (batch_time_set, default
 * 600 s) and unloading (60 s); the batch counter counts at the end of unloading. The drum turns at
 * ~28 rpm whenever the machine is on; drive frequency and current follow the speed.
 */
type Phase = 'loading' | 'roasting' | 'unloading';

const PHASE_STATE: Readonly<Record<Phase, number>> = { loading: 2, roasting: 3, unloading: 4 };
const HZ_PER_RPM = 50 / 30;

export class RoasterMachine extends BaseMachine {
  readonly kind = 'roaster';
  batches: number;
  phase: Phase = 'loading';
  private phaseMs = 0;
  private speed = 0;
  private readonly drum = new ThermalLoop(
    { ambient: 32, heatTauMs: 180_000, coolTauMs: 1_200_000, maxTemperature: 320 },
    this.initial('drum_temperature', 175),
  );

  constructor(deps: MachineDeps) {
    super(deps);
    this.batches = this.initial('batch_count', 0);
  }

  protected override defaults(): Record<string, number> {
    return { drum_temperature_sv: 180, batch_time_set: 600, batch_weight: 12 };
  }

  protected override runningStateCode(): number {
    return this.status === 'idle' ? 1 : PHASE_STATE[this.phase];
  }

  protected simulate(dt: number): void {
    const on = this.status === 'running' || this.status === 'idle';
    this.drum.step(dt, this.param('drum_temperature_sv', 180), on);
    const targetSpeed = on ? this.initial('drum_speed', 28) : 0;
    this.speed += (targetSpeed - this.speed) * clamp(dt / 2000, 0, 1);
    if (!this.producing) return;
    this.phaseMs += dt;
    if (this.phase === 'loading' && this.phaseMs >= 60_000) this.next('roasting');
    else if (this.phase === 'roasting' && this.phaseMs >= this.param('batch_time_set', 600) * 1000) {
      this.next('unloading');
    } else if (this.phase === 'unloading' && this.phaseMs >= 60_000) {
      this.batches = (this.batches + 1) % 65536;
      this.next('loading');
      this.drum.disturb(this.rng.between(15, 25));
    }
  }

  private next(phase: Phase): void {
    this.phase = phase;
    this.phaseMs = 0;
  }

  protected publish(): void {
    const mv = this.status === 'fault' ? 0 : this.drum.mv;
    const speed = this.speed < 0.05 ? 0 : this.noisy(this.speed, 0.1);
    this.write('drum_temperature', this.noisy(this.drum.pv, 0.2));
    this.write('heater_mv', mv);
    this.write('drum_speed', Math.max(0, speed));
    this.write('drive_frequency', Math.max(0, speed * HZ_PER_RPM));
    this.write('drive_current', speed > 0 ? Math.max(0, this.noisy(2.4 + speed * 0.03, 0.05)) : 0);
    this.write('batch_time', this.phase === 'roasting' ? Math.floor(this.phaseMs / 1000) : 0);
    this.write('batch_count', this.batches);
  }
}
