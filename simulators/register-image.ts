import {
  bitOf,
  decodeNumber,
  decodeString,
  encodeNumber,
  encodeString,
  isFloatType,
  isNumericType,
  registersOf,
  type WordOrder,
  withBit,
} from './word-codec.js';

/**
 * The memory of one simulated Modbus unit: coils, discrete inputs, holding and input registers,
 * each the full 0…65535 protocol address range (0-based, as in the PDU). Unmapped addresses read 0.
 * Behaviour models write engineering values by point name; the Modbus vector reads raw words.
 */

export type RegisterArea = 'holding' | 'input';
export type BitArea = 'coil' | 'discrete';
export type Area = RegisterArea | BitArea;

export type PointType =
  | 'bool'
  | 'bit'
  | 'string'
  | 'int16'
  | 'uint16'
  | 'int32'
  | 'uint32'
  | 'int64'
  | 'uint64'
  | 'float32'
  | 'float64';

/** Where one point lives and how its raw value relates to the engineering value. */
export interface ImagePoint {
  readonly name: string;
  readonly area: Area;
  /** 0-based protocol address. */
  readonly address: number;
  readonly type: PointType;
  readonly order: WordOrder;
  /** For `bit` in a register: 0 = least significant bit of the register value. */
  readonly bit?: number;
  /** For `string`: registers (two characters each). */
  readonly length?: number;
  /** value = raw × scale + offset. */
  readonly scale: number;
  readonly offset: number;
}

export type PointValue = number | bigint | boolean | string;

const ADDRESS_SPACE = 0x10000;

export function isBitArea(area: Area): area is BitArea {
  return area === 'coil' || area === 'discrete';
}

/** Registers (or bits) a point occupies. */
export function widthOf(p: Pick<ImagePoint, 'area' | 'type' | 'length'>): number {
  if (isBitArea(p.area) || p.type === 'bool' || p.type === 'bit') return 1;
  if (p.type === 'string') return p.length ?? 1;
  return registersOf(p.type);
}

export class RegisterImage {
  private readonly registers: Record<RegisterArea, Uint16Array> = {
    holding: new Uint16Array(ADDRESS_SPACE),
    input: new Uint16Array(ADDRESS_SPACE),
  };
  private readonly bits: Record<BitArea, Uint8Array> = {
    coil: new Uint8Array(ADDRESS_SPACE),
    discrete: new Uint8Array(ADDRESS_SPACE),
  };
  private readonly byName = new Map<string, ImagePoint>();
  private readonly writtenNames = new Set<string>();

  constructor(points: readonly ImagePoint[] = []) {
    for (const p of points) {
      if (this.byName.has(p.name)) throw new Error(`point "${p.name}" is defined twice`);
      if (p.address + widthOf(p) > ADDRESS_SPACE) throw new RangeError(`point "${p.name}" runs past 65535`);
      this.byName.set(p.name, p);
    }
  }

  points(): readonly ImagePoint[] {
    return [...this.byName.values()];
  }

  has(name: string): boolean {
    return this.byName.has(name);
  }

  point(name: string): ImagePoint | undefined {
    return this.byName.get(name);
  }

  /** Names written at least once with set(). */
  written(): ReadonlySet<string> {
    return this.writtenNames;
  }

  // ---- raw access (used by the Modbus vector and by tests) ----

  readRegisters(area: RegisterArea, address: number, count: number): number[] {
    checkRange(address, count);
    return Array.from(this.registers[area].subarray(address, address + count));
  }

  writeRegisters(area: RegisterArea, address: number, values: readonly number[]): void {
    checkRange(address, values.length);
    values.forEach((v, i) => {
      this.registers[area][address + i] = v & 0xffff;
    });
  }

  readBits(area: BitArea, address: number, count: number): boolean[] {
    checkRange(address, count);
    return Array.from(this.bits[area].subarray(address, address + count), (b) => b === 1);
  }

  writeBit(area: BitArea, address: number, on: boolean): void {
    checkRange(address, 1);
    this.bits[area][address] = on ? 1 : 0;
  }

  // ---- engineering values by point name ----

  /**
   * Write an engineering value: raw = (value − offset) / scale, rounded for integer types.
   * `scale` overrides the profile's scale (e.g. an Autonics TK whose decimal point was changed).
   * Unknown names are ignored and return false, so one model serves profiles with fewer points.
   */
  set(name: string, value: PointValue, options: { scale?: number } = {}): boolean {
    const p = this.byName.get(name);
    if (!p) return false;
    this.writtenNames.add(name);
    if (isBitArea(p.area)) {
      this.writeBit(p.area, p.address, truthy(value));
      return true;
    }
    const area = p.area as RegisterArea;
    if (p.type === 'bit') {
      const word = this.registers[area][p.address] ?? 0;
      this.registers[area][p.address] = withBit(word, p.bit ?? 0, truthy(value));
    } else if (p.type === 'bool') {
      this.registers[area][p.address] = truthy(value) ? 1 : 0;
    } else if (p.type === 'string') {
      this.writeRegisters(area, p.address, encodeString(String(value), p.length ?? 1, p.order));
    } else if (isNumericType(p.type)) {
      const scale = options.scale ?? p.scale;
      const raw = toRaw(value, scale, p.offset, isFloatType(p.type));
      this.writeRegisters(area, p.address, encodeNumber(p.type, raw, p.order));
    }
    return true;
  }

  /** Read back an engineering value (what a correct gateway would decode). */
  get(name: string, options: { scale?: number } = {}): PointValue | undefined {
    const p = this.byName.get(name);
    if (!p) return undefined;
    if (isBitArea(p.area)) return this.bits[p.area][p.address] === 1;
    const words = this.readRegisters(p.area as RegisterArea, p.address, widthOf(p));
    if (p.type === 'bit') return bitOf(words[0] ?? 0, p.bit ?? 0);
    if (p.type === 'bool') return (words[0] ?? 0) !== 0;
    if (p.type === 'string') return decodeString(words, p.order);
    if (!isNumericType(p.type)) return undefined;
    const raw = decodeNumber(p.type, words, p.order);
    if (typeof raw === 'bigint') return raw;
    return raw * (options.scale ?? p.scale) + p.offset;
  }

  /** A number for models that read back set points; `fallback` when missing or not numeric. */
  getNumber(name: string, fallback: number): number {
    const v = this.get(name);
    if (typeof v === 'number') return v;
    if (typeof v === 'bigint') return Number(v);
    if (typeof v === 'boolean') return v ? 1 : 0;
    return fallback;
  }

  /** Every point's current engineering value, for tests and the CLI. */
  snapshot(): Record<string, PointValue> {
    const out: Record<string, PointValue> = {};
    for (const name of this.byName.keys()) {
      const v = this.get(name);
      if (v !== undefined) out[name] = v;
    }
    return out;
  }
}

function truthy(value: PointValue): boolean {
  if (typeof value === 'string') return value.length > 0;
  return value !== 0 && value !== 0n && value !== false;
}

function toRaw(value: PointValue, scale: number, offset: number, isFloat: boolean): number | bigint {
  if (typeof value === 'bigint')
    return scale === 1 && offset === 0 ? value : toRaw(Number(value), scale, offset, isFloat);
  const v = typeof value === 'boolean' ? (value ? 1 : 0) : Number(value);
  const raw = (v - offset) / (scale === 0 ? 1 : scale);
  return isFloat ? raw : Math.round(raw);
}

function checkRange(address: number, count: number): void {
  if (!Number.isInteger(address) || !Number.isInteger(count) || address < 0 || count < 0) {
    throw new RangeError(`bad address ${address} or count ${count}`);
  }
  if (address + count > ADDRESS_SPACE) throw new RangeError(`address ${address} + ${count} runs past 65535`);
}
