import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { type Static, Type as T } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { parse } from 'yaml';
import { type BehaviourOptions, QUIET } from './machines/index.js';

/**
 * A plant plan (simulators/demo-plant.yaml): which simulated machines to start, with which
 * profile, unit id, seed and endpoint. Machines that share a TCP host:port share one server (a
 * TCP-to-RTU converter); machines that share a serial path share one RS-485 line.
 */

const Behaviour = T.Object(
  {
    faultRatePerHour: T.Optional(T.Number({ minimum: 0 })),
    stopRatePerHour: T.Optional(T.Number({ minimum: 0 })),
    idleRatePerHour: T.Optional(T.Number({ minimum: 0 })),
  },
  { additionalProperties: false },
);

const MachineEntry = T.Object(
  {
    id: T.String({ pattern: '^[a-z0-9][a-z0-9_-]{0,62}$' }),
    profile: T.String({ minLength: 1 }),
    unitId: T.Integer({ minimum: 1, maximum: 247, description: 'Modbus serial line spec §2.2: 1..247' }),
    seed: T.Optional(T.Integer()),
    tcp: T.Optional(
      T.Object(
        { host: T.String({ minLength: 1 }), port: T.Integer({ minimum: 0, maximum: 65535 }) },
        { additionalProperties: false },
      ),
    ),
    serial: T.Optional(
      T.Object(
        {
          path: T.String({ minLength: 1 }),
          baudRate: T.Optional(T.Integer({ minimum: 300, maximum: 921600 })),
          parity: T.Optional(T.Union([T.Literal('none'), T.Literal('even'), T.Literal('odd')])),
          dataBits: T.Optional(T.Union([T.Literal(7), T.Literal(8)])),
          stopBits: T.Optional(T.Union([T.Literal(1), T.Literal(2)])),
        },
        { additionalProperties: false },
      ),
    ),
    initial: T.Optional(T.Record(T.String(), T.Number(), { description: 'starting values by point name' })),
    behaviour: T.Optional(Behaviour),
  },
  { additionalProperties: false },
);

/** A device that publishes JSON over MQTT to a broker (simulators/mqtt-device.ts). */
const MqttDeviceEntry = T.Object(
  {
    id: T.String({ pattern: '^[a-z0-9][a-z0-9_-]{0,62}$' }),
    url: T.String({ pattern: '^mqtts?://' }),
    username: T.String({ minLength: 1 }),
    password: T.String({ minLength: 1 }),
    topic: T.String({ minLength: 1 }),
    intervalMs: T.Optional(T.Integer({ minimum: 50, maximum: 600000 })),
    seed: T.Optional(T.Integer()),
    badEvery: T.Optional(
      T.Integer({ minimum: 0, description: 'every n-th message is a scripted bad payload' }),
    ),
  },
  { additionalProperties: false },
);
export type MqttDevicePlan = Static<typeof MqttDeviceEntry>;

const PlanFile = T.Object(
  {
    profileDirs: T.Optional(T.Array(T.String(), { description: 'relative to the plan file' })),
    tickMs: T.Optional(T.Integer({ minimum: 10, maximum: 60000 })),
    behaviour: T.Optional(Behaviour),
    machines: T.Array(MachineEntry, { minItems: 1 }),
    mqttDevices: T.Optional(T.Array(MqttDeviceEntry)),
  },
  { additionalProperties: false },
);

export type MachinePlan = Static<typeof MachineEntry> & { readonly seed: number };

export interface PlantPlan {
  readonly file: string;
  /** Absolute directories searched for <profile>.yaml. */
  readonly profileDirs: readonly string[];
  readonly tickMs: number;
  /** Defaults for every machine; a machine's own `behaviour` wins. */
  readonly behaviour: BehaviourOptions;
  readonly machines: readonly MachinePlan[];
  readonly mqttDevices: readonly MqttDevicePlan[];
}

/** Parse and check a plan document; `file` names the place in error messages. */
export function parsePlan(doc: unknown, file: string): PlantPlan {
  if (!Value.Check(PlanFile, doc)) {
    const first = [...Value.Errors(PlanFile, doc)][0];
    throw new Error(`plan ${file}: ${first?.path || '/'}: ${first?.message ?? 'invalid'}`);
  }
  const ids = new Set<string>();
  const units = new Set<string>();
  const machines = doc.machines.map((m, i): MachinePlan => {
    const where = `plan ${file}: /machines/${i} (${m.id})`;
    if (ids.has(m.id)) throw new Error(`${where}: machine id is used twice`);
    ids.add(m.id);
    if ((m.tcp === undefined) === (m.serial === undefined))
      throw new Error(`${where}: give either tcp or serial`);
    const key = `${endpointKey(m)} unit ${m.unitId}`;
    if (units.has(key)) throw new Error(`${where}: ${key} is used twice`);
    units.add(key);
    return { ...m, seed: m.seed ?? i + 1 };
  });
  const baseDir = dirname(resolve(file));
  return {
    file,
    profileDirs: (doc.profileDirs ?? ['../devices']).map((d) => resolve(baseDir, d)),
    tickMs: doc.tickMs ?? 200,
    behaviour: { ...QUIET, ...doc.behaviour },
    machines,
    mqttDevices: doc.mqttDevices ?? [],
  };
}

export function loadPlan(file: string): PlantPlan {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new Error(`plan ${file}: ${(err as Error).message}`);
  }
  return parsePlan(parse(text), file);
}

/** Machines with the same key share one server. */
export function endpointKey(m: Pick<MachinePlan, 'tcp' | 'serial'>): string {
  if (m.tcp) return `tcp://${m.tcp.host}:${m.tcp.port}`;
  return `rtu:${m.serial?.path ?? '?'}`;
}
