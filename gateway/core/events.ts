import type { Sample } from './sample.js';

/** Machine connectivity as the acquisition layer sees it. */
export interface MachineStatusEvent {
  readonly machine: string;
  readonly online: boolean;
  readonly ts: number;
  readonly reason?: string;
}

/** Typed event map of the gateway bus. Each key has one owner who emits it. */
export interface EventMap {
  /** Owner: runtime/running-source. A batch of samples from one poll or one message. */
  samples: readonly Sample[];
  /** Owner: runtime/running-source. Emitted on every change of online state. */
  'machine-status': MachineStatusEvent;
}
