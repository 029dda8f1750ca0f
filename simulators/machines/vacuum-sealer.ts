import { BaseMachine, type MachineDeps } from './base.js';
import { approach } from './thermal.js';

/**
 * Chamber vacuum sealer behind a Delta DVP (devices/vacuum-sealer-delta-dvp.yaml). One cycle:
 * load bags (8–12 s, lid open), pull vacuum from 1013 mbar down to the set point (about 16 s),
 * seal (seal_time, the impulse bar heats toward its set point), cool (2 s), vent (3 s) and count.
 * The cycle counter is a plain 16-bit register; it starts at 65530 unless the plan says otherwise,
 * so it wraps to 0 within the first few minutes. If the vacuum is not reached in 25 s the machine
 * faults with code 1 (vacuum not reached), as the real program does.
 */
type Phase = 'loading' | 'vacuum' | 'sealing' | 'cooling' | 'venting';

const PHASE_STATE: Readonly<Record<Phase, number>> = {
  loading: 2,
  vacuum: 3,
  sealing: 4,
  cooling: 5,
  venting: 6,
};
const ATMOSPHERE_MBAR = 1013;
const VACUUM_TIMEOUT_MS = 25_000;

export class VacuumSealerMachine extends BaseMachine {
  readonly kind = 'vacuum_sealer';
  cycles: number;
  phase: Phase = 'loading';
  private phaseMs = 0;
  private loadMs = 10_000;
  private pressure = ATMOSPHERE_MBAR;
  private sealBar = 45;

  constructor(deps: MachineDeps) {
    super(deps);
    this.cycles = this.initial('cycle_count', 65530) % 65536;
  }

  protected override defaults(): Record<string, number> {
    return { vacuum_setpoint: 5, seal_bar_setpoint: 180, seal_time: 2, bags_per_cycle: 4 };
  }

  protected override runningStateCode(): number {
    return this.status === 'idle' ? 1 : PHASE_STATE[this.phase];
  }

  protected simulate(dt: number): void {
    const heating = this.producing && this.phase === 'sealing';
    this.sealBar = approach(
      this.sealBar,
      heating ? this.param('seal_bar_setpoint', 180) : 40,
      heating ? 700 : 6000,
      dt,
    );
    const pumping = this.producing && this.phase === 'vacuum';
    const venting = !this.producing || this.phase === 'venting' || this.phase === 'loading';
    if (pumping) this.pressure = approach(this.pressure, 1.5, 3000, dt);
    else if (venting) this.pressure = approach(this.pressure, ATMOSPHERE_MBAR, 600, dt);
    if (!this.producing) return;
    this.phaseMs += dt;
    switch (this.phase) {
      case 'loading':
        if (this.phaseMs >= this.loadMs) this.next('vacuum');
        break;
      case 'vacuum':
        if (this.pressure <= this.param('vacuum_setpoint', 5)) this.next('sealing');
        else if (this.phaseMs >= VACUUM_TIMEOUT_MS) this.raise(1);
        break;
      case 'sealing':
        if (this.phaseMs >= this.param('seal_time', 2) * 1000) this.next('cooling');
        break;
      case 'cooling':
        if (this.phaseMs >= 2000) this.next('venting');
        break;
      case 'venting':
        if (this.phaseMs >= 3000) {
          this.cycles = (this.cycles + 1) % 65536;
          this.loadMs = this.rng.between(8000, 12_000);
          this.next('loading');
        }
        break;
    }
  }

  private next(phase: Phase): void {
    this.phase = phase;
    this.phaseMs = 0;
  }

  /** The program's own fault (not a random one): held until cleared with setFault(0). */
  private raise(code: number): void {
    this.next('loading');
    this.setFault(code);
  }

  protected publish(): void {
    this.write('vacuum_pressure', Math.max(0, this.noisy(this.pressure, this.pressure * 0.002)));
    this.write('seal_bar_temperature', this.noisy(this.sealBar, 0.3));
    this.write('cycle_count', this.cycles);
    this.write('lid_closed', this.producing && this.phase !== 'loading');
    this.write('estop_ok', !(this.status === 'fault' && this.faultCode === 7));
  }
}
