import { type Static, Type as T } from '@sinclair/typebox';
import { AlarmsSection } from './alarms-schema.js';
import { DashboardSection } from './dashboard-schema.js';
import { MetricsSection } from './metrics-schema.js';
import { MqttMachineInput, MqttSection } from './mqtt-schema.js';
import { Id, LocalText, ModbusQuirks, PointInput, PointOverride } from './point-schema.js';
import { ProductionSection } from './production-schema.js';
import { MACHINE_COMMON } from './profile-schema.js';
import { ReloadSection } from './reload-schema.js';
import { SinkInput, StoreSection } from './sinks-schema.js';

/** The site config file (plant.yaml). Exported as JSON Schema to config/linegate.schema.json. */

const Port = T.Integer({ minimum: 1, maximum: 65535 });
const TimeoutMs = T.Integer({ minimum: 10, maximum: 60000 });

export const TcpConnection = T.Object(
  {
    type: T.Literal('tcp'),
    host: T.String({ minLength: 1 }),
    port: T.Optional(Port),
    unitId: T.Optional(T.Integer({ minimum: 0, maximum: 255 })),
    timeoutMs: T.Optional(TimeoutMs),
  },
  { additionalProperties: false },
);

export const RtuConnection = T.Object(
  {
    type: T.Literal('rtu'),
    bus: Id,
    unitId: T.Integer({ minimum: 1, maximum: 247, description: 'Modbus over serial line v1.02 §2.2' }),
    timeoutMs: T.Optional(TimeoutMs),
  },
  { additionalProperties: false },
);

export const SerialBus = T.Object(
  {
    id: Id,
    path: T.String({ minLength: 1, description: 'prefer a stable /dev/serial/by-id/… path' }),
    baudRate: T.Optional(T.Integer({ minimum: 300, maximum: 921600 })),
    parity: T.Optional(T.Union([T.Literal('none'), T.Literal('even'), T.Literal('odd')])),
    dataBits: T.Optional(T.Union([T.Literal(7), T.Literal(8)])),
    stopBits: T.Optional(T.Union([T.Literal(1), T.Literal(2)])),
    timeoutMs: T.Optional(TimeoutMs),
    interFrameDelayMs: T.Optional(
      T.Integer({ minimum: 0, maximum: 1000, description: 'silence kept on the line between two requests' }),
    ),
  },
  { additionalProperties: false },
);

export const ModbusMachineInput = T.Object(
  {
    ...MACHINE_COMMON,
    pollIntervalMs: T.Optional(T.Integer({ minimum: 50, maximum: 3600000 })),
    connection: T.Union([TcpConnection, RtuConnection]),
    modbus: T.Optional(ModbusQuirks),
    overrides: T.Optional(T.Record(T.String(), PointOverride)),
    points: T.Optional(T.Array(PointInput)),
  },
  { additionalProperties: false },
);

/**
 * A machine is read over Modbus (tcp, rtu) or listened to over MQTT; `connection.type` says which,
 * and config/issues.ts reports the errors of that form only (the `x-discriminator` below).
 */
export const MachineInput = T.Union([ModbusMachineInput, MqttMachineInput], {
  'x-discriminator': ['connection', 'type'],
});

export type ModbusMachineInput = Static<typeof ModbusMachineInput>;
export type MachineInput = Static<typeof MachineInput>;

export function isMqttMachine(m: MachineInput): m is MqttMachineInput {
  return m.connection.type === 'mqtt';
}

export const ConfigSchema = T.Object(
  {
    $schema: T.Optional(T.String()),
    site: T.Object(
      {
        id: Id,
        name: T.String({ minLength: 1 }),
        timezone: T.Optional(T.String({ minLength: 1 })),
      },
      { additionalProperties: false },
    ),
    lines: T.Array(
      T.Object(
        { id: Id, name: T.String({ minLength: 1 }), label: T.Optional(LocalText) },
        { additionalProperties: false },
      ),
      { minItems: 1 },
    ),
    buses: T.Optional(T.Array(SerialBus)),
    machines: T.Array(MachineInput),
    mqtt: T.Optional(MqttSection),
    store: T.Optional(StoreSection),
    sinks: T.Optional(T.Array(SinkInput)),
    alarms: T.Optional(AlarmsSection),
    production: T.Optional(ProductionSection),
    profilesDirs: T.Optional(
      T.Array(T.String(), { description: 'extra folders of profiles, after devices/' }),
    ),
    http: T.Optional(
      T.Object(
        {
          host: T.Optional(T.String({ minLength: 1 })),
          port: T.Optional(T.Integer({ minimum: 0, maximum: 65535 })),
        },
        { additionalProperties: false },
      ),
    ),
    dashboard: T.Optional(DashboardSection),
    dataDir: T.Optional(T.String({ minLength: 1 })),
    reload: T.Optional(ReloadSection),
    metrics: T.Optional(MetricsSection),
    log: T.Optional(
      T.Object(
        {
          level: T.Optional(
            T.Union(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((l) => T.Literal(l))),
          ),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);
export type ConfigInput = Static<typeof ConfigSchema>;
