import type { FCallback, FCallbackVal, IServiceVector } from 'modbus-serial';
import type { Logger } from 'pino';
import type { RegisterImage } from './register-image.js';
import type { UnitFaults } from './unit-faults.js';

/**
 * The modbus-serial "service vector" for one server: it answers every unit id it hosts from that
 * unit's register image, applies the unit's response delay and scripted faults, and enforces the
 * request limits a real device enforces. One server may host several units (a TCP-to-RTU
 * converter, or several slaves on one RS-485 line).
 *
 * Only callback-style vector functions are used: a callback that is never called means no answer
 * (stall), an error with `modbusErrorCode` makes modbus-serial send an exception response.
 */

export interface SimUnit {
  readonly unitId: number;
  readonly image: RegisterImage;
  readonly faults: UnitFaults;
  /** The device's turnaround, e.g. 20 ms for an Autonics TK (RSwT). */
  readonly responseDelayMs: number;
  /** Registers per FC3/FC4 request; more gets exception 03 (Modbus v1.1b3 §6.3, ≤ 125). */
  readonly maxRegistersPerRead: number;
}

export interface VectorDeps {
  readonly units: ReadonlyMap<number, SimUnit>;
  /**
   * A unit id nobody hosts: 'silent' on a serial line (no slave answers), or the exception code a
   * TCP-to-RTU gateway sends (0x0B, gateway target device failed to respond).
   */
  readonly unknownUnit: 'silent' | number;
  /** Deferred answers, so stop() can cancel them. */
  readonly timers: TimerSet;
  /** True while the whole server plays dead (an RTU "disconnect"). */
  readonly silenced?: () => boolean;
  readonly logger?: Logger;
}

/** Timers owned by a server: cleared all at once when it stops. */
export class TimerSet {
  private readonly handles = new Set<NodeJS.Timeout>();

  later(ms: number, fn: () => void): void {
    const h = setTimeout(() => {
      this.handles.delete(h);
      fn();
    }, ms);
    this.handles.add(h);
  }

  clear(): void {
    for (const h of this.handles) clearTimeout(h);
    this.handles.clear();
  }
}

type Cb<T> = (err: Error | null, value?: T) => void;

export function modbusError(code: number, message = `Modbus exception ${code}`): Error {
  return Object.assign(new Error(message), { modbusErrorCode: code });
}

const ILLEGAL_DATA_ADDRESS = 0x02;
const ILLEGAL_DATA_VALUE = 0x03;

export function createServiceVector(deps: VectorDeps): IServiceVector {
  const { units, timers, logger } = deps;

  /** Run `produce` against the unit and answer through `cb`, honouring faults and delays. */
  function answer<T>(unitId: number, what: string, cb: Cb<T>, produce: (u: SimUnit) => T): void {
    if (deps.silenced?.()) return;
    const unit = units.get(unitId);
    if (!unit) {
      if (deps.unknownUnit !== 'silent') reply(0, () => cb(modbusError(deps.unknownUnit as number)));
      return;
    }
    if (unit.faults.stalled) {
      logger?.trace({ unitId, what }, 'stalled: no answer');
      return;
    }
    const code = unit.faults.exceptionCode;
    if (code !== null) {
      reply(unit.responseDelayMs, () => cb(modbusError(code)));
      return;
    }
    let value: T;
    try {
      value = produce(unit);
    } catch (err) {
      const e = err as Error & { modbusErrorCode?: number };
      reply(unit.responseDelayMs, () =>
        cb(e.modbusErrorCode ? e : modbusError(ILLEGAL_DATA_ADDRESS, e.message)),
      );
      return;
    }
    logger?.trace({ unitId, what }, 'answer');
    reply(unit.responseDelayMs, () => cb(null, value));
  }

  function reply(delayMs: number, send: () => void): void {
    if (delayMs > 0) timers.later(delayMs, send);
    else send();
  }

  function checkQuantity(unit: SimUnit, address: number, length: number): void {
    if (length < 1 || length > unit.maxRegistersPerRead) {
      throw modbusError(ILLEGAL_DATA_VALUE, `quantity ${length} > ${unit.maxRegistersPerRead}`);
    }
    if (address + length > 0x10000) throw modbusError(ILLEGAL_DATA_ADDRESS, 'past 65535');
  }

  /** Adapt modbus-serial's callbacks (value required) to answer()'s (value absent on error). */
  const withValue =
    <T>(cb: FCallbackVal<T>): Cb<T> =>
    (err, value) =>
      cb(err, value as T);
  // modbus-serial's FC4 handler indexes the value array even on error, so never hand it undefined.
  const withValues =
    (cb: FCallbackVal<number[]>): Cb<number[]> =>
    (err, value) =>
      cb(err, value ?? []);
  const done =
    (cb: FCallback): Cb<void> =>
    (err) =>
      cb(err);

  return {
    getHoldingRegister: (addr: number, unitId: number, cb: FCallbackVal<number>) =>
      answer(unitId, `FC3 ${addr}`, withValue(cb), (u) => u.image.readRegisters('holding', addr, 1)[0] ?? 0),
    getMultipleHoldingRegisters: (addr: number, length: number, unitId: number, cb: FCallbackVal<number[]>) =>
      answer(unitId, `FC3 ${addr}+${length}`, withValues(cb), (u) => {
        checkQuantity(u, addr, length);
        return u.image.readRegisters('holding', addr, length);
      }),
    getInputRegister: (addr: number, unitId: number, cb: FCallbackVal<number>) =>
      answer(unitId, `FC4 ${addr}`, withValue(cb), (u) => u.image.readRegisters('input', addr, 1)[0] ?? 0),
    getMultipleInputRegisters: (addr: number, length: number, unitId: number, cb: FCallbackVal<number[]>) =>
      answer(unitId, `FC4 ${addr}+${length}`, withValues(cb), (u) => {
        checkQuantity(u, addr, length);
        return u.image.readRegisters('input', addr, length);
      }),
    getCoil: (addr: number, unitId: number, cb: FCallbackVal<boolean>) =>
      answer(unitId, `FC1 ${addr}`, withValue(cb), (u) => u.image.readBits('coil', addr, 1)[0] ?? false),
    getDiscreteInput: (addr: number, unitId: number, cb: FCallbackVal<boolean>) =>
      answer(unitId, `FC2 ${addr}`, withValue(cb), (u) => u.image.readBits('discrete', addr, 1)[0] ?? false),
    setRegister: (addr: number, value: number, unitId: number, cb: FCallback) =>
      answer(unitId, `FC6 ${addr}`, done(cb), (u) => u.image.writeRegisters('holding', addr, [value])),
    setRegisterArray: (addr: number, values: number[], unitId: number, cb: FCallback) =>
      answer(unitId, `FC16 ${addr}+${values.length}`, done(cb), (u) =>
        u.image.writeRegisters('holding', addr, values),
      ),
    setCoil: (addr: number, value: boolean, unitId: number, cb: FCallback) =>
      answer(unitId, `FC5 ${addr}`, done(cb), (u) => u.image.writeBit('coil', addr, value)),
  };
}
