import { EventEmitter } from 'node:events';
import type { EventMap } from '../core/events.js';

type Listener<K extends keyof EventMap> = (payload: EventMap[K]) => void;

/**
 * Typed event bus. Listeners are registered with an owner object so that a part that stops can
 * remove all of its listeners at once (`removeListeners(this)`), as zigbee2mqtt does.
 * A throwing listener is reported through `onListenerError` and never breaks the emitter.
 */
export class EventBus {
  private readonly emitter = new EventEmitter({ captureRejections: false });
  private readonly owned = new Map<
    object,
    { event: keyof EventMap; fn: (p: EventMap[keyof EventMap]) => void }[]
  >();

  constructor(private readonly onListenerError: (err: unknown, event: string) => void = () => {}) {
    this.emitter.setMaxListeners(100);
  }

  on<K extends keyof EventMap>(event: K, owner: object, listener: Listener<K>): void {
    const fn = (payload: EventMap[K]) => {
      try {
        listener(payload);
      } catch (err) {
        this.onListenerError(err, event);
      }
    };
    this.emitter.on(event, fn);
    const list = this.owned.get(owner) ?? [];
    list.push({ event, fn: fn as (p: EventMap[keyof EventMap]) => void });
    this.owned.set(owner, list);
  }

  emit<K extends keyof EventMap>(event: K, payload: EventMap[K]): void {
    this.emitter.emit(event, payload);
  }

  removeListeners(owner: object): void {
    for (const { event, fn } of this.owned.get(owner) ?? []) this.emitter.off(event, fn);
    this.owned.delete(owner);
  }
}
