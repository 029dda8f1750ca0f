/**
 * Communication faults a test can switch on for one simulated unit while it runs. They act on the
 * Modbus exchange only; machine faults (fault codes) live in the behaviour model.
 *
 * - stall: the unit never answers (the client times out), like a dead slave on the line.
 * - exception: every request is answered with this Modbus exception code (1 illegal function,
 *   2 illegal data address, 3 illegal data value, 4 server device failure, 6 busy, 11 gateway
 *   target failed to respond…; Modbus application protocol v1.1b3 §7).
 * - garbage: answers are replaced by bytes that are not a valid frame (see garbage.ts).
 * Stall beats exception, exception beats garbage.
 */
export class UnitFaults {
  stalled = false;
  exceptionCode: number | null = null;
  garbled = false;

  stall(on: boolean): void {
    this.stalled = on;
  }

  exception(code: number | null): void {
    if (code !== null && (!Number.isInteger(code) || code < 1 || code > 255)) {
      throw new RangeError(`Modbus exception code must be 1…255, got ${code}`);
    }
    this.exceptionCode = code;
  }

  garbage(on: boolean): void {
    this.garbled = on;
  }

  clear(): void {
    this.stalled = false;
    this.exceptionCode = null;
    this.garbled = false;
  }
}
