import { performance } from 'node:perf_hooks';
import pino, { type Logger } from 'pino';
import { type BehaviourOptions, createMachine, type MachineModel } from './machines/index.js';
import { type MqttDevice, startMqttDevice } from './mqtt-device.js';
import { endpointKey, loadPlan, type MachinePlan, type PlantPlan } from './plan.js';
import { RegisterImage } from './register-image.js';
import { SimRtuServer } from './server-rtu.js';
import { SimTcpServer } from './server-tcp.js';
import type { SimUnit } from './service-vector.js';
import { findProfile, type SimProfile } from './sim-profile.js';
import { UnitFaults } from './unit-faults.js';

/**
 * A simulated workshop: machines from a plan, each a behaviour model writing into its register
 * image, served over real Modbus TCP or RTU. One timer (unref'd) ticks every model; stop() ends
 * the timer and closes every server.
 */

/** One simulated machine as a test or the CLI sees it, with its fault switches. */
export interface SimMachine {
  readonly id: string;
  readonly kind: string;
  readonly profile: SimProfile;
  readonly unitId: number;
  /** e.g. "tcp://127.0.0.1:15021 unit 2" or "rtu:/dev/pts/4@9600-8E1 unit 3". */
  readonly where: string;
  /** The TCP port actually listened on (after port 0 was resolved); undefined on a serial line. */
  readonly port: number | undefined;
  readonly image: RegisterImage;
  readonly model: MachineModel;
  /** Raise (code > 0) or clear (0 / null) a machine fault from the profile's table. */
  setFault(code: number | null): void;
  /** Stop answering at all (true) or answer again (false). */
  stall(on: boolean): void;
  /** Answer every request with this Modbus exception code; null = normal answers. */
  exception(code: number | null): void;
  /** Answer with bytes that are not a valid frame (true) or normally (false). */
  garbage(on: boolean): void;
  /**
   * TCP: destroy the open sockets and stop listening for ms, then listen again on the same port —
   * every unit on that server goes down with it, like a converter losing power. RTU: the whole line
   * is silent for ms (default 2000). Resolves when the endpoint answers again.
   */
  disconnect(ms?: number): Promise<void>;
}

export interface PlantOptions {
  /** A checked plan, or the path of a plan file. */
  readonly plan: PlantPlan | string;
  readonly logger?: Logger;
  /** The clock for the ticker; default performance.now(). */
  readonly now?: () => number;
  /** false: no timer; the caller advances time with tick(dtMs). Default true. */
  readonly autoTick?: boolean;
  /** Overrides the plan's behaviour for every machine (e.g. QUIET in tests). */
  readonly behaviour?: Partial<BehaviourOptions>;
}

export interface PlantHandle {
  readonly machines: ReadonlyMap<string, SimMachine>;
  /** The machine with this id; throws if there is none. */
  machine(id: string): SimMachine;
  /** Advance every model by dtMs. */
  tick(dtMs: number): void;
  stop(): Promise<void>;
}

const DEFAULT_DISCONNECT_MS = 2000;

interface Endpoint {
  readonly server: SimTcpServer | SimRtuServer;
  readonly units: Map<number, SimUnit>;
}

export async function startPlant(options: PlantOptions): Promise<PlantHandle> {
  const plan = typeof options.plan === 'string' ? loadPlan(options.plan) : options.plan;
  const logger = options.logger ?? pino({ name: 'simulator' });
  const endpoints = new Map<string, Endpoint>();
  const built: {
    plan: MachinePlan;
    endpoint: Endpoint;
    unit: SimUnit;
    model: MachineModel;
    profile: SimProfile;
  }[] = [];

  for (const m of plan.machines) {
    const profile = findProfile(m.profile, plan.profileDirs);
    const image = new RegisterImage(profile.points);
    const behaviour = { ...plan.behaviour, ...m.behaviour, ...options.behaviour };
    const model = createMachine({
      profile,
      image,
      seed: m.seed,
      behaviour,
      ...(m.initial ? { initial: m.initial } : {}),
    });
    const unit: SimUnit = {
      unitId: m.unitId,
      image,
      faults: new UnitFaults(),
      responseDelayMs: profile.responseDelayMs,
      maxRegistersPerRead: profile.maxRegistersPerRead,
    };
    const key = endpointKey(m);
    let endpoint = endpoints.get(key);
    if (!endpoint) {
      endpoint = makeEndpoint(m, profile, new Map(), logger);
      endpoints.set(key, endpoint);
    }
    endpoint.units.set(m.unitId, unit);
    built.push({ plan: m, endpoint, unit, model, profile });
  }

  const started: Endpoint[] = [];
  try {
    for (const endpoint of endpoints.values()) {
      await endpoint.server.start();
      started.push(endpoint);
    }
  } catch (err) {
    await Promise.allSettled(started.map((e) => e.server.stop()));
    throw err;
  }

  // MQTT devices connect to their broker and keep retrying until it is up (the gateway's
  // embedded broker starts after the plant in the demo).
  const mqttDevices: MqttDevice[] = plan.mqttDevices.map((d, i) =>
    startMqttDevice({
      ...d,
      intervalMs: d.intervalMs ?? 1000,
      seed: d.seed ?? 1000 + i,
      badEvery: d.badEvery ?? 0,
      logger,
    }),
  );

  const machines = new Map<string, SimMachine>();
  for (const b of built) {
    const { server } = b.endpoint;
    machines.set(b.plan.id, {
      id: b.plan.id,
      kind: b.profile.kind,
      profile: b.profile,
      unitId: b.plan.unitId,
      where: `${server.where} unit ${b.plan.unitId}`,
      port: server instanceof SimTcpServer ? server.port : undefined,
      image: b.unit.image,
      model: b.model,
      setFault: (code) => b.model.setFault(code),
      stall: (on) => b.unit.faults.stall(on),
      exception: (code) => b.unit.faults.exception(code),
      garbage: (on) => b.unit.faults.garbage(on),
      disconnect: (ms = DEFAULT_DISCONNECT_MS) => server.disconnect(ms),
    });
  }

  const tick = (dtMs: number): void => {
    for (const b of built) {
      try {
        b.model.step(dtMs);
      } catch (err) {
        logger.error({ err, machine: b.plan.id }, 'behaviour model failed');
      }
    }
  };

  let timer: NodeJS.Timeout | null = null;
  if (options.autoTick !== false) {
    const now = options.now ?? (() => performance.now());
    let last = now();
    timer = setInterval(() => {
      const t = now();
      tick(t - last);
      last = t;
    }, plan.tickMs);
    timer.unref();
  }

  let stopping: Promise<void> | null = null;
  return {
    machines,
    machine(id: string): SimMachine {
      const m = machines.get(id);
      if (!m) throw new Error(`no simulated machine "${id}" (have: ${[...machines.keys()].join(', ')})`);
      return m;
    },
    tick,
    stop(): Promise<void> {
      stopping ??= (async () => {
        if (timer) clearInterval(timer);
        await Promise.allSettled([
          ...[...endpoints.values()].map((e) => e.server.stop()),
          ...mqttDevices.map((d) => d.stop()),
        ]);
        logger.info({ machines: machines.size }, 'simulated plant stopped');
      })();
      return stopping;
    },
  };
}

/** A serial line takes its settings from the plan, else from the first machine's profile. */
function makeEndpoint(
  m: MachinePlan,
  profile: SimProfile,
  units: Map<number, SimUnit>,
  logger: Logger,
): Endpoint {
  if (m.tcp) {
    return { units, server: new SimTcpServer({ host: m.tcp.host, port: m.tcp.port, units, logger }) };
  }
  const s = m.serial;
  if (!s) throw new Error(`machine ${m.id}: no tcp or serial endpoint`);
  const server = new SimRtuServer({
    path: s.path,
    baudRate: s.baudRate ?? profile.serial.baudRate ?? 9600,
    parity: s.parity ?? profile.serial.parity ?? 'none',
    dataBits: s.dataBits ?? profile.serial.dataBits ?? 8,
    stopBits: s.stopBits ?? profile.serial.stopBits ?? 1,
    units,
    logger,
  });
  return { units, server };
}
