import { Rng } from '../prng.js';
import type { PointValue, RegisterImage } from '../register-image.js';
import { pointWithRole, type SimProfile } from '../sim-profile.js';

/**
 * The part every simulated machine shares: a status (running / idle / stopped / fault), random
 * stop, idle and fault spells at configurable rates, scripted faults, and the role points
 * (run, fault, fault_code, state_code) written from that status. Kind files add the physics.
 *
 * Deterministic: the same seed and the same sequence of step(dtMs) calls give the same registers.
 * No timers here: the plant (or a test) owns the clock and calls step().
 */

export type MachineStatus = 'running' | 'idle' | 'stopped' | 'fault';

export interface BehaviourOptions {
  /** Random faults per hour of running, codes drawn from the profile's table. 0 = never. */
  readonly faultRatePerHour: number;
  /** Unplanned stops per hour of running (no material, operator away…). 0 = never. */
  readonly stopRatePerHour: number;
  /** Idle spells per hour of running (on, not producing). 0 = never. */
  readonly idleRatePerHour: number;
}

/** No random spells: what tests want. */
export const QUIET: BehaviourOptions = { faultRatePerHour: 0, stopRatePerHour: 0, idleRatePerHour: 0 };

export interface MachineDeps {
  readonly profile: SimProfile;
  readonly image: RegisterImage;
  readonly seed: number;
  readonly behaviour?: Partial<BehaviourOptions>;
  /** Starting engineering values by point name, e.g. a counter just below its wrap. */
  readonly initial?: Readonly<Record<string, number>>;
}

/** What the plant and tests see of a behaviour model. */
export interface MachineModel {
  readonly kind: string;
  readonly status: MachineStatus;
  readonly faultCode: number;
  /** Simulated time since start. */
  readonly elapsedMs: number;
  /** Write the starting values into the image. Call once, before the first step. */
  init(): void;
  /** Advance the simulation by dtMs (long gaps are simulated in ≤ 200 ms slices, at most 1 h). */
  step(dtMs: number): void;
  /** Raise a fault with this code and hold it; 0 or null clears it and the machine runs again. */
  setFault(code: number | null): void;
  /** Hold the machine in a status (e.g. 'stopped' for a planned stop); null = automatic again. */
  hold(status: MachineStatus | null): void;
}

const SLICE_MS = 200;
const MAX_CATCH_UP_MS = 3_600_000;

/** State codes every profile of this project uses; kinds add their own phases. */
export const STATE = { stopped: 0, idle: 1, running: 2, fault: 9 } as const;

export abstract class BaseMachine implements MachineModel {
  abstract readonly kind: string;
  status: MachineStatus = 'running';
  faultCode = 0;
  elapsedMs = 0;

  protected readonly rng: Rng;
  protected readonly image: RegisterImage;
  protected readonly profile: SimProfile;
  private readonly behaviour: BehaviourOptions;
  private readonly initialValues: Readonly<Record<string, number>>;
  private spellLeftMs = 0;
  private scripted = false;
  private held: MachineStatus | null = null;

  constructor(deps: MachineDeps) {
    this.profile = deps.profile;
    this.image = deps.image;
    this.rng = new Rng(deps.seed);
    this.behaviour = { ...QUIET, ...deps.behaviour };
    this.initialValues = deps.initial ?? {};
  }

  init(): void {
    for (const [name, fallback] of Object.entries(this.defaults())) {
      this.image.set(name, this.initial(name, fallback));
    }
    this.publish();
    this.publishRoles();
  }

  step(dtMs: number): void {
    let left = Math.min(Math.max(0, dtMs), MAX_CATCH_UP_MS);
    while (left > 0) {
      const dt = Math.min(left, SLICE_MS);
      left -= dt;
      this.elapsedMs += dt;
      this.updateStatus(dt);
      this.simulate(dt);
    }
    this.publish();
    this.publishRoles();
  }

  setFault(code: number | null): void {
    if (code === null || code === 0) {
      this.scripted = false;
      this.faultCode = 0;
      this.status = this.held ?? 'running';
    } else {
      this.scripted = true;
      this.faultCode = code;
      this.status = 'fault';
    }
    this.publishRoles();
  }

  hold(status: MachineStatus | null): void {
    this.held = status;
    if (!this.scripted) this.status = status ?? 'running';
    this.spellLeftMs = 0;
    this.publishRoles();
  }

  // ---- for the kind files ----

  /** Set points and other operator parameters written once at start: name → default value. */
  protected defaults(): Readonly<Record<string, number>> {
    return {};
  }

  /** The physics of one slice (≤ 200 ms). */
  protected abstract simulate(dtMs: number): void;

  /** Write the kind's points from its state (once per step, after the slices). */
  protected abstract publish(): void;

  /** The state code while running or idle; stopped/fault are handled here. */
  protected runningStateCode(): number {
    return this.status === 'idle' ? STATE.idle : STATE.running;
  }

  /** The run signal: on while running or idle. A kind may override. */
  protected runSignal(): boolean {
    return this.status === 'running' || this.status === 'idle';
  }

  /** True while the machine produces. */
  protected get producing(): boolean {
    return this.status === 'running';
  }

  /** A starting value from the plan's `initial:` or the fallback. */
  protected initial(name: string, fallback: number): number {
    return this.initialValues[name] ?? fallback;
  }

  /** A parameter as it is now in the image (an HMI or a test may have written it). */
  protected param(name: string, fallback: number): number {
    return this.image.has(name) ? this.image.getNumber(name, fallback) : fallback;
  }

  protected write(name: string, value: PointValue, scale?: number): void {
    this.image.set(name, value, scale === undefined ? {} : { scale });
  }

  /** Sensor noise: value + N(0, sd). */
  protected noisy(value: number, sd: number): number {
    return value + this.rng.gauss(0, sd);
  }

  // ---- internals ----

  private updateStatus(dt: number): void {
    if (this.scripted) return;
    if (this.held !== null) {
      this.status = this.held;
      return;
    }
    if (this.spellLeftMs > 0) {
      this.spellLeftMs -= dt;
      if (this.spellLeftMs <= 0) {
        this.status = 'running';
        this.faultCode = 0;
      }
      return;
    }
    const codes = this.profile.faultCodes;
    const faultPoint = pointWithRole(this.profile, 'fault') ?? pointWithRole(this.profile, 'fault_code');
    if (faultPoint && this.rng.happens(this.behaviour.faultRatePerHour, dt)) {
      this.status = 'fault';
      this.faultCode = this.rng.pick(codes) ?? 1;
      this.spellLeftMs = this.rng.between(60_000, 300_000);
    } else if (this.rng.happens(this.behaviour.stopRatePerHour, dt)) {
      this.status = 'stopped';
      this.spellLeftMs = this.rng.between(120_000, 600_000);
    } else if (this.rng.happens(this.behaviour.idleRatePerHour, dt)) {
      this.status = 'idle';
      this.spellLeftMs = this.rng.between(60_000, 300_000);
    }
  }

  private publishRoles(): void {
    const role = (r: string): string | undefined => pointWithRole(this.profile, r)?.name;
    const run = role('run');
    const fault = role('fault');
    const faultCode = role('fault_code');
    const stateCode = role('state_code');
    if (run) this.write(run, this.runSignal() ? 1 : 0);
    if (fault) this.write(fault, this.status === 'fault');
    if (faultCode) this.write(faultCode, this.status === 'fault' ? this.faultCode : 0);
    if (stateCode) this.write(stateCode, this.stateCode());
  }

  private stateCode(): number {
    if (this.status === 'fault') return STATE.fault;
    if (this.status === 'stopped') return STATE.stopped;
    return this.runningStateCode();
  }
}
