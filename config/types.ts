import type { LocalText, MqttPointDef, PointDef, TimestampFormat } from '../gateway/core/points.js';
import type { AlarmRuleInput } from './alarm-rule-schema.js';
import type { AlarmsConfig } from './alarms.js';
import type { DashboardConfig } from './dashboard.js';
import type { MetricsConfig } from './metrics.js';
import type { ProductionConfig } from './production.js';
import type { MACHINE_KINDS } from './profile-schema.js';
import type { ReloadConfig } from './reload-schema.js';
import type { StoreRamConfig } from './store-ram.js';
import type { StoreRawConfig } from './store-raw.js';

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
  readonly protocol?: 'modbus';
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
  /** Alarm templates for every machine of this profile (normalised by config/alarms.ts). */
  readonly alarms?: readonly AlarmRuleInput[];
  readonly limits: Partial<ModbusLimits>;
}

/** A Modbus machine (`protocol` is absent or 'modbus'). */
export interface MachineConfig {
  readonly protocol?: 'modbus';
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

export interface StoreConfig {
  readonly rawRetentionMs: number;
  readonly maxBytes: number;
  readonly flushIntervalMs: number;
  /** Sink cursors written at most this often (0: at every ack): Store `ackPersistMs`. */
  readonly ackPersistMs: number;
  /** Change-only raw storage (config/store-raw.ts). */
  readonly raw: StoreRawConfig;
  /** Raw samples in RAM first (config/store-ram.ts); null: on the card. */
  readonly ramTier: StoreRamConfig | null;
}

interface SinkCommonConfig {
  readonly id: string;
  readonly batchSize: number;
  readonly timeoutMs: number;
  readonly gzip: boolean;
  readonly from: 'now' | 'start';
}

export interface InfluxV1SinkConfig extends SinkCommonConfig {
  readonly type: 'influxdb-v1';
  readonly url: string;
  readonly database: string;
  readonly retentionPolicy?: string;
  readonly username?: string;
  readonly password?: string;
}

export interface InfluxV2SinkConfig extends SinkCommonConfig {
  readonly type: 'influxdb-v2';
  readonly url: string;
  readonly org?: string;
  readonly bucket: string;
  readonly token?: string;
}

/** See config/mqtt-uplink-schema.ts; TLS files are absolute paths here. */
export interface MqttUplinkSinkConfig extends SinkCommonConfig {
  readonly type: 'mqtt-uplink';
  readonly url: string;
  readonly clientId: string;
  readonly username?: string;
  readonly password?: string;
  readonly prefix: string;
  readonly keepaliveSeconds: number;
  readonly samplesPerMessage: number;
  readonly tls: {
    readonly ca: string | null;
    readonly cert: string | null;
    readonly key: string | null;
    readonly servername: string | null;
  } | null;
  /** `json` (Unified Namespace topics) or `sparkplug-b` (spBv1.0 births, deaths and DDATA). */
  readonly format: 'json' | 'sparkplug-b';
  /** Sparkplug ids; null = derived: group from the prefix, edge node from the site id. */
  readonly sparkplug: {
    readonly groupId: string | null;
    readonly edgeNodeId: string | null;
    readonly qos: 0 | 1;
    readonly historicalAfterMs: number;
  };
}

export type SinkConfig = InfluxV1SinkConfig | InfluxV2SinkConfig | MqttUplinkSinkConfig;

export interface LinegateConfig {
  readonly file: string;
  readonly site: { readonly id: string; readonly name: string; readonly timezone: string };
  readonly lines: readonly { readonly id: string; readonly name: string; readonly label?: LocalText }[];
  readonly buses: readonly BusConfig[];
  /** Enabled machines only: Modbus machines, and MQTT machines (`protocol: 'mqtt'`). */
  readonly machines: readonly AnyMachineConfig[];
  /** The embedded broker and the external brokers (always filled in by the loader). */
  readonly mqtt?: MqttConfig;
  readonly http: { readonly host: string; readonly port: number };
  readonly dataDir: string;
  readonly store: StoreConfig;
  /** Enabled sinks only. */
  readonly sinks: readonly SinkConfig[];
  readonly log: { readonly level: string };
  /** Alarm rules per machine, channels, routing (config/alarms.ts); absent = none configured. */
  readonly alarms?: AlarmsConfig;
  /** Shift calendar, products, stop reasons (always filled in by the loader). */
  readonly production?: ProductionConfig;
  /** SIGHUP / file-watch reload (config/reload-schema.ts); absent = SIGHUP only. */
  readonly reload?: ReloadConfig;
  /** GET /metrics (always filled in by the loader; optional for configs built in code). */
  readonly metrics?: MetricsConfig;
  /** Web UI, sign-in and sessions (optional: absent in hand-made test configs = defaults). */
  readonly dashboard?: DashboardConfig;
}

/** Where a payload carries its own timestamp; null = the receive time is used. */
export interface PayloadConfig {
  readonly timestamp: { readonly path: string; readonly format: TimestampFormat } | null;
}

export interface MqttProfile {
  readonly protocol: 'mqtt';
  readonly id: string;
  readonly kind: MachineKind;
  readonly name: LocalText;
  readonly vendor?: string;
  readonly model?: string;
  readonly manual?: string;
  readonly file: string;
  readonly points: readonly MqttPointDef[];
  readonly payload: PayloadConfig;
  readonly faultCodes: CodeTable;
  readonly stateCodes: CodeTable;
  readonly alarms?: readonly AlarmRuleInput[];
}

export type AnyProfile = Profile | MqttProfile;

export interface MqttMachineConfig {
  readonly protocol: 'mqtt';
  readonly id: string;
  readonly name: string;
  readonly kind: MachineKind;
  readonly line: string;
  readonly profile: string | null;
  readonly connection: {
    readonly type: 'mqtt';
    /** 'broker' (the embedded broker) or the id of an external broker in mqtt.clients. */
    readonly source: string;
    /** The topic with {site}, {line} and {machine} filled in. */
    readonly topic: string;
    readonly offlineAfterMs: number;
  };
  readonly payload: PayloadConfig;
  readonly points: readonly MqttPointDef[];
  readonly faultCodes: CodeTable;
  readonly stateCodes: CodeTable;
}

export type AnyMachineConfig = MachineConfig | MqttMachineConfig;

export function isMqttMachineConfig(m: AnyMachineConfig): m is MqttMachineConfig {
  return m.protocol === 'mqtt';
}

export interface BrokerUserConfig {
  readonly username: string;
  /** `scrypt$N$r$p$salt$hash`, base64 salt and hash (gateway/sources/mqtt/password.ts). */
  readonly passwordHash: string;
  readonly publish: readonly string[];
  readonly subscribe: readonly string[];
}

export interface BrokerConfig {
  readonly host: string;
  readonly port: number;
  readonly websocketPort: number | null;
  readonly users: readonly BrokerUserConfig[];
  readonly limits: {
    readonly maxPacketBytes: number;
    readonly maxConnections: number;
    readonly connectTimeoutMs: number;
    readonly maxClientIdLength: number;
    readonly queueLimit: number;
    readonly concurrency: number;
    /** Messages arriving within this window share one commit (0 = the next event-loop turn). */
    readonly commitWindowMs: number;
  };
}

export interface MqttClientConfig {
  readonly id: string;
  readonly url: string;
  readonly username: string | null;
  readonly password: string | null;
  readonly clientId: string;
  readonly clean: boolean;
  readonly qos: 0 | 1;
  readonly protocolVersion: 4 | 5;
  readonly sessionExpirySeconds: number;
  readonly keepaliveSeconds: number;
  readonly connectTimeoutMs: number;
  /** Absolute paths of PEM files; null = no TLS options (mqtts:// still verifies with the system CAs). */
  readonly tls: {
    readonly ca: string | null;
    readonly cert: string | null;
    readonly key: string | null;
    readonly servername: string | null;
  } | null;
  readonly reconnect: { readonly baseMs: number; readonly maxMs: number };
}

export interface PayloadLimits {
  readonly maxPayloadBytes: number;
  readonly maxDepth: number;
  readonly maxKeys: number;
  readonly futureToleranceMs: number;
  readonly maxAgeMs: number;
  readonly logIntervalMs: number;
}

export interface MqttConfig {
  /** null when there is no `mqtt.broker` or it is disabled. */
  readonly broker: BrokerConfig | null;
  readonly clients: readonly MqttClientConfig[];
  readonly payload: PayloadLimits;
}

export const MQTT_DEFAULTS = {
  brokerHost: '127.0.0.1',
  brokerPort: 1883,
  maxPacketBytes: 65536,
  maxConnections: 100,
  connectTimeoutMs: 10000,
  maxClientIdLength: 64,
  queueLimit: 42,
  concurrency: 100,
  commitWindowMs: 200,
  clean: false,
  qos: 1,
  protocolVersion: 5,
  sessionExpirySeconds: 604800,
  keepaliveSeconds: 30,
  clientConnectTimeoutMs: 10000,
  reconnectBaseMs: 1000,
  reconnectMaxMs: 60000,
  maxPayloadBytes: 16384,
  maxDepth: 8,
  maxKeys: 1000,
  futureToleranceMs: 300000,
  maxAgeMs: 604800000,
  logIntervalMs: 10000,
  offlineAfterMs: 60000,
} as const;

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
