import type { LocalText } from '../core/points.js';

/**
 * Machine state from the role points, pure. Order of precedence:
 *   offline (no communication) > fault > running > idle > planned_stop > stopped.
 * A machine that runs in a break is running (its output counts); a machine that is merely not
 * running outside planned time is in planned stop, not stopped (no downtime).
 */
export const MACHINE_STATES = ['running', 'idle', 'stopped', 'fault', 'offline', 'planned_stop'] as const;
export type MachineStateName = (typeof MACHINE_STATES)[number];

/** Down states: time in them during planned production time is downtime and makes a stop. */
export const DOWN_STATES: ReadonlySet<MachineStateName> = new Set(['stopped', 'fault', 'idle']);

/**
 * State codes every profile of this project uses (simulators/machines/base.ts STATE):
 * 0 stopped, 1 idle, 2 running, 9 fault; a code whose English text says changeover/cleaning is a
 * planned stop. Other codes fall back to the run signal.
 */
export const STATE_CODES: Readonly<Record<number, MachineStateName>> = {
  0: 'stopped',
  1: 'idle',
  2: 'running',
  9: 'fault',
};

export interface StateInputs {
  readonly online: boolean;
  /** Run signal; null when the machine has none. */
  readonly run: boolean | null;
  readonly fault: boolean | null;
  readonly faultCode: number | null;
  readonly stateCode: number | null;
  readonly stateText: LocalText | null;
  /** Speed > 0; null when no speed point. */
  readonly moving: boolean | null;
  /** A counter advanced within idleAfter; null when the machine has no counter. */
  readonly counting: boolean | null;
  /** Planned production time now (calendar). */
  readonly planned: boolean;
}

export function deriveState(i: StateInputs): MachineStateName {
  if (!i.online) return 'offline';
  const codeState = i.stateCode === null ? null : (STATE_CODES[i.stateCode] ?? null);
  if (i.fault === true || (i.faultCode !== null && i.faultCode !== 0) || codeState === 'fault')
    return 'fault';
  if (i.stateText && /changeover|cleaning|setup/i.test(i.stateText.en)) return 'planned_stop';
  const run =
    i.run ??
    (codeState === null ? (i.moving ?? i.counting) : codeState === 'running' || codeState === 'idle');
  if (run) {
    const producing = i.counting ?? i.moving ?? codeState !== 'idle';
    if (producing && codeState !== 'idle') return 'running';
    return i.planned ? 'idle' : 'planned_stop';
  }
  return i.planned ? 'stopped' : 'planned_stop';
}
