/**
 * Read planning: which Modbus requests read a machine's points in as few round trips as the
 * protocol and the device allow. Pure; the transport executes the plan.
 */
import { LinegateError } from '../../core/errors.js';
import { isBitArea, type PointDef, pointWidth, type RegisterArea } from '../../core/points.js';

/** Modbus application protocol v1.1b3 §6.3 (FC3) and §6.4 (FC4): 1 to 125 registers per read. */
export const MODBUS_MAX_REGISTERS = 125;
/** Modbus application protocol v1.1b3 §6.1 (FC1) and §6.2 (FC2): 1 to 2000 bits per read. */
export const MODBUS_MAX_BITS = 2000;
/** Modbus application protocol v1.1b3 §4.4: each table is addressed from 0 to 65535. */
const ADDRESS_SPACE = 0x10000;
/** For coil/discrete areas the allowed gap is maxGap registers' worth of bits. */
const BITS_PER_REGISTER = 16;

export interface PlanLimits {
  /** Registers per FC3/FC4 request; clamped to 125. */
  readonly maxRegisters: number;
  /** Bits per FC1/FC2 request; clamped to 2000. */
  readonly maxBits: number;
  /** Unused registers that may be read to save a request; for coil/discrete, maxGap × 16 bits. */
  readonly maxGap: number;
}

export interface ReadRequest {
  readonly area: RegisterArea;
  /** 0-based protocol address of the first register or bit. */
  readonly start: number;
  readonly count: number;
  /** The points this request reads, by address. */
  readonly points: readonly PointDef[];
}

/** Requests come out in this area order, then by ascending start. */
const AREA_ORDER: readonly RegisterArea[] = ['coil', 'discrete', 'holding', 'input'];

interface Span {
  readonly point: PointDef;
  readonly start: number;
  /** Exclusive. */
  readonly end: number;
}

/**
 * Groups points into read requests. Within an area, points are taken by address (then by end)
 * and merged greedily into the current request while the gap from its end to the next point is
 * at most maxGap (overlapping and adjacent points always qualify) and the merged span stays within
 * the limit. Taking points in start order and closing a request only when the next point cannot
 * join gives the fewest requests: two points that each opened a request can never share one.
 * Throws LG_DECODE for a point wider than the limit or past address 65535, and LG_CONFIG_INVALID
 * for limits that are not positive integers.
 */
export function planReads(points: readonly PointDef[], limits: PlanLimits): ReadRequest[] {
  checkLimits(limits);
  const requests: ReadRequest[] = [];
  for (const area of AREA_ORDER) {
    const bits = isBitArea(area);
    const maxSpan = bits
      ? Math.min(limits.maxBits, MODBUS_MAX_BITS)
      : Math.min(limits.maxRegisters, MODBUS_MAX_REGISTERS);
    const maxGap = bits ? limits.maxGap * BITS_PER_REGISTER : limits.maxGap;
    const spans = points
      .filter((p) => p.area === area)
      .map((p) => toSpan(p, maxSpan))
      .sort(bySpan);
    requests.push(...mergeSpans(area, spans, maxSpan, maxGap));
  }
  return requests;
}

/**
 * The point's registers (or bits) out of the data a request returned. `data` may be longer than
 * the request (FC1/FC2 answers are padded to whole bytes), never shorter.
 */
export function sliceForPoint<T extends number | boolean>(
  req: ReadRequest,
  point: PointDef,
  data: readonly T[],
): T[] {
  const from = point.address - req.start;
  const width = pointWidth(point);
  if (point.area !== req.area || from < 0 || from + width > req.count) {
    throw new LinegateError(
      'LG_DECODE',
      `point "${point.name}" (${point.area} ${point.address}, ${width} wide) is not inside the request ${req.area} ${req.start}+${req.count}`,
      { point: point.name, area: point.area, address: point.address, request: describe(req) },
    );
  }
  if (data.length < req.count) {
    throw new LinegateError(
      'LG_DECODE',
      `the answer to ${req.area} ${req.start}+${req.count} holds ${data.length} values, expected ${req.count}`,
      { point: point.name, request: describe(req), expected: req.count, got: data.length },
    );
  }
  return data.slice(from, from + width);
}

function mergeSpans(
  area: RegisterArea,
  spans: readonly Span[],
  maxSpan: number,
  maxGap: number,
): ReadRequest[] {
  const requests: ReadRequest[] = [];
  let current: { start: number; end: number; points: PointDef[] } | undefined;
  for (const span of spans) {
    if (current !== undefined) {
      const end = Math.max(current.end, span.end);
      if (span.start - current.end <= maxGap && end - current.start <= maxSpan) {
        current.end = end;
        current.points.push(span.point);
        continue;
      }
      requests.push(toRequest(area, current));
    }
    current = { start: span.start, end: span.end, points: [span.point] };
  }
  if (current !== undefined) requests.push(toRequest(area, current));
  return requests;
}

function toRequest(area: RegisterArea, r: { start: number; end: number; points: PointDef[] }): ReadRequest {
  return Object.freeze({ area, start: r.start, count: r.end - r.start, points: Object.freeze(r.points) });
}

function toSpan(point: PointDef, maxSpan: number): Span {
  const width = pointWidth(point);
  const unit = isBitArea(point.area) ? 'bits' : 'registers';
  const context = { point: point.name, area: point.area, address: point.address, width };
  if (!Number.isInteger(point.address) || point.address < 0 || point.address >= ADDRESS_SPACE) {
    throw new LinegateError(
      'LG_DECODE',
      `point "${point.name}" has address ${point.address}, not 0..65535`,
      context,
    );
  }
  if (!Number.isInteger(width) || width < 1) {
    throw new LinegateError('LG_DECODE', `point "${point.name}" has an invalid width of ${width}`, context);
  }
  if (width > maxSpan) {
    throw new LinegateError(
      'LG_DECODE',
      `point "${point.name}" is ${width} ${unit} wide; one ${point.area} read takes at most ${maxSpan}`,
      { ...context, limit: maxSpan },
    );
  }
  if (point.address + width > ADDRESS_SPACE) {
    throw new LinegateError(
      'LG_DECODE',
      `point "${point.name}" at ${point.address} (${width} ${unit}) runs past address 65535`,
      context,
    );
  }
  return { point, start: point.address, end: point.address + width };
}

function bySpan(a: Span, b: Span): number {
  return a.start - b.start || a.end - b.end || compareNames(a.point.name, b.point.name);
}

function compareNames(a: string, b: string): number {
  if (a === b) return 0;
  return a < b ? -1 : 1;
}

function checkLimits(limits: PlanLimits): void {
  const ok =
    Number.isInteger(limits.maxRegisters) &&
    limits.maxRegisters >= 1 &&
    Number.isInteger(limits.maxBits) &&
    limits.maxBits >= 1 &&
    Number.isInteger(limits.maxGap) &&
    limits.maxGap >= 0;
  if (!ok) {
    throw new LinegateError(
      'LG_CONFIG_INVALID',
      `read limits must be whole numbers (maxRegisters ≥ 1, maxBits ≥ 1, maxGap ≥ 0), got ${JSON.stringify(limits)}`,
      { limits: { ...limits } },
    );
  }
}

function describe(req: ReadRequest): string {
  return `${req.area} ${req.start}+${req.count}`;
}
