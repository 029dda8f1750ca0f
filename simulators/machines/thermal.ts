/**
 * A heated bath or chamber under a PID controller, simple enough to read: the process value
 * moves toward the set point (heater on) or toward ambient (heater off) with a first-order lag,
 * and loads (wet leaves, a cold basket) knock it down. The displayed MV is what a controller
 * would need to hold the set point plus a proportional term.
 */
export interface ThermalOptions {
  readonly ambient: number;
  /** Time constant while heating toward the set point. */
  readonly heatTauMs: number;
  /** Time constant while cooling toward ambient. */
  readonly coolTauMs: number;
  /** The temperature the heater would reach at 100 % (for the MV estimate). */
  readonly maxTemperature: number;
}

export class ThermalLoop {
  pv: number;
  mv = 0;

  constructor(
    private readonly options: ThermalOptions,
    start: number,
  ) {
    this.pv = start;
  }

  step(dtMs: number, setPoint: number, heating: boolean): void {
    const { ambient, heatTauMs, coolTauMs, maxTemperature } = this.options;
    const target = heating ? setPoint : ambient;
    const tau = heating ? heatTauMs : coolTauMs;
    this.pv = approach(this.pv, target, tau, dtMs);
    if (!heating) {
      this.mv = 0;
      return;
    }
    const hold = (100 * (setPoint - ambient)) / Math.max(1, maxTemperature - ambient);
    this.mv = clamp(hold + 12 * (setPoint - this.pv), 0, 100);
  }

  /** A cold load goes in: the process value drops by `kelvin`. */
  disturb(kelvin: number): void {
    this.pv -= kelvin;
  }
}

export function approach(current: number, target: number, tauMs: number, dtMs: number): number {
  return target + (current - target) * Math.exp(-dtMs / Math.max(1, tauMs));
}

export function clamp(v: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, v));
}
