import type { LocalText, PointDef } from '../gateway/core/points.js';
import type { MACHINE_KINDS } from './profile-schema.js';

/** The config as the gateway uses it: validated, defaults filled in, deep-frozen. */

export type MachineKind = (typeof MACHINE_KINDS)[number];

export interface ModbusLimits {
  /** Registers per FC3/FC4 request, ≤ 125 (Modbus v1.1b3 §6.3). */
  readonly maxRegistersPerRead: number;
  /** Bits per FC1/FC2 request, ≤ 2000 (Modbus v1.1b3 §6.1). */
  readonly maxBitsPerRead: number;
  /** Unused registers that may be read to merge two requests into one. */
  readonly maxGap: number;
  /** Pause after each answer before this device's next request. */
  readonly interRequestDelayMs: number;
}

export interface TcpConnectionConfig {
  readonly type: 'tcp';
  readonly host: string;
  readonly port: number;
  readonly unitId: number;
  readonly timeoutMs: number;
}

export interface RtuConnectionConfig {
  readonly type: 'rtu';
  readonly bus: string;
  readonly unitId: number;
  readonly timeoutMs: number;
}

export type ConnectionConfig = TcpConnectionConfig | RtuConnectionConfig;

export interface BusConfig {
  readonly id: string;
  readonly path: string;
  readonly baudRate: number;
  readonly parity: 'none' | 'even' | 'odd';
  readonly dataBits: 7 | 8;
  readonly stopBits: 1 | 2;
  readonly timeoutMs: number;
  readonly interFrameDelayMs: number;
}

export type CodeTable = Readonly<Record<string, LocalText>>;

export interface Profile {
  readonly id: string;
  readonly kind: MachineKind;
  readonly name: LocalText;
  readonly vendor?: string;
  readonly model?: string;
  readonly manual?: string;
  readonly file: string;
  readonly points: readonly PointDef[];
  readonly faultCodes: CodeTable;
  readonly stateCodes: CodeTable;
  readonly limits: Partial<ModbusLimits>;
}

export interface MachineConfig {
  readonly id: string;
  readonly name: string;
  readonly kind: MachineKind;
  readonly line: string;
  readonly profile: string | null;
  readonly pollIntervalMs: number;
  readonly connection: ConnectionConfig;
  readonly limits: ModbusLimits;
  /** Addresses already converted to 0-based protocol addresses. */
  readonly points: readonly PointDef[];
  readonly faultCodes: CodeTable;
  readonly stateCodes: CodeTable;
}

export interface LinegateConfig {
  readonly file: string;
  readonly site: { readonly id: string; readonly name: string; readonly timezone: string };
  readonly lines: readonly { readonly id: string; readonly name: string; readonly label?: LocalText }[];
  readonly buses: readonly BusConfig[];
  /** Enabled machines only. */
  readonly machines: readonly MachineConfig[];
  readonly http: { readonly host: string; readonly port: number };
  readonly dataDir: string;
  readonly log: { readonly level: string };
}

export const DEFAULTS = {
  pollIntervalMs: 1000,
  tcpPort: 502,
  tcpUnitId: 1,
  timeoutMs: 1000,
  rtuTimeoutMs: 300,
  baudRate: 9600,
  parity: 'none',
  dataBits: 8,
  stopBits: 1,
  interFrameDelayMs: 5,
  maxRegistersPerRead: 125,
  maxBitsPerRead: 2000,
  maxGap: 10,
  interRequestDelayMs: 0,
  httpHost: '127.0.0.1',
  httpPort: 8080,
  dataDir: './data',
  timezone: 'Asia/Ho_Chi_Minh',
  logLevel: 'info',
} as const;
