import type { Logger } from 'pino';
import { packageVersion } from '../config/paths.js';
import { isMqttMachineConfig, type LinegateConfig } from '../config/types.js';
import { dashboardConfig } from './api/dashboard.js';
import { buildApi } from './api/server.js';
import type { GatewayView } from './api/view.js';
import { AuthService } from './auth/auth-service.js';
import { LinegateError } from './core/errors.js';
import type { Sample } from './core/sample.js';
import { systemClock } from './runtime/clock.js';
import { CommStatsTracker } from './runtime/comm-stats.js';
import { LinkScheduler } from './runtime/link-scheduler.js';
import { startPersistence } from './runtime/persistence.js';
import { type SupervisedSource, Supervisor } from './runtime/supervisor.js';
import { linkFactory } from './sources/modbus/links.js';
import { ModbusSource } from './sources/modbus/source.js';
import { type RunningMqtt, startMqtt } from './sources/mqtt/index.js';

/** The only file that knows every concrete part: config → links, sources, supervisor, API. */

export interface RunningGateway {
  readonly supervisor: Supervisor;
  readonly url: string;
  stop(): Promise<void>;
}

export const VERSION: string = packageVersion();

const RECONNECT = { baseMs: 500, maxMs: 30_000 };

export function buildAcquisition(
  config: LinegateConfig,
  log: Logger,
): { supervisor: Supervisor; schedulers: LinkScheduler[] } {
  const buses = new Map(config.buses.map((b) => [b.id, b]));
  const schedulers = new Map<string, LinkScheduler>();
  const sources: SupervisedSource[] = [];
  for (const m of config.machines) {
    if (isMqttMachineConfig(m)) continue; // listened to by sources/mqtt, not polled
    const factory = linkFactory(m.connection);
    const key = factory.key(m.connection);
    let scheduler = schedulers.get(key);
    if (!scheduler) {
      const linkLog = log.child({ link: key });
      scheduler = new LinkScheduler(
        factory.create(m.connection, buses, linkLog),
        {
          interFrameDelayMs: factory.interFrameDelayMs(m.connection, buses),
          reconnect: RECONNECT,
          reopenAfterTimeouts: factory.reopenAfterTimeouts,
        },
        linkLog,
      );
      schedulers.set(key, scheduler);
    }
    const stats = new CommStatsTracker();
    const channel = scheduler;
    const source = new ModbusSource({
      machine: m.id,
      unitId: m.connection.unitId,
      timeoutMs: m.connection.timeoutMs,
      points: m.points,
      limits: m.limits,
      channel,
      now: Date.now,
      sleep: systemClock.sleep,
      onRequest: (outcome, latencyMs, err) => stats.record(outcome, latencyMs, Date.now(), err),
    });
    log.debug({ machine: m.id, requests: source.requests.length, points: m.points.length }, 'read plan');
    sources.push({ machine: m.id, source, points: m.points, pollIntervalMs: m.pollIntervalMs, stats });
  }
  const all = [...schedulers.values()];
  return { supervisor: new Supervisor(sources, all, log), schedulers: all };
}

export interface GatewayDeps {
  /** Durable write for acknowledged MQTT messages; default: the local store's persist. */
  readonly persist?: (samples: readonly Sample[]) => void;
}

export async function startGateway(
  config: LinegateConfig,
  log: Logger,
  deps: GatewayDeps = {},
): Promise<RunningGateway> {
  const { supervisor, schedulers } = buildAcquisition(config, log);
  const mqttMachines = new Set(config.machines.filter(isMqttMachineConfig).map((m) => m.id));
  const persistence = startPersistence(config, { bus: supervisor.bus, log, persistedBySource: mqttMachines });
  let mqtt: RunningMqtt | null = null;
  const auth = AuthService.open({
    db: persistence.store.db,
    audit: persistence.audit,
    config: dashboardConfig(config),
    now: Date.now,
    log: log.child({ part: 'auth' }),
  });
  const view: GatewayView = {
    config,
    machineState: (id) => supervisor.live.get(id),
    commStats: (id) => supervisor.stats(id)?.snapshot() ?? mqtt?.machineStats(id),
    links: () => schedulers.map((s) => s.status),
    startedAt: supervisor.startedAt,
    version: VERSION,
    storage: () => ({ store: persistence.storeStats(), sinks: persistence.sinks() }),
    history: (q) => persistence.store.history(q),
    auth,
    audit: persistence.audit,
  };
  const api = buildApi(view, log);
  let url: string;
  try {
    url = await api.listen({ host: config.http.host, port: config.http.port });
  } catch (err) {
    await persistence.stop();
    throw new LinegateError(
      'LG_HTTP_LISTEN',
      `cannot listen on ${config.http.host}:${config.http.port}: ${(err as Error).message}`,
      {
        host: config.http.host,
        port: config.http.port,
      },
    );
  }
  auth.start();
  supervisor.start();
  const hasMqtt = Boolean(
    config.mqtt?.broker || config.mqtt?.clients.length || config.machines.some(isMqttMachineConfig),
  );
  if (hasMqtt) {
    try {
      mqtt = await startMqtt(config, {
        log,
        persist: deps.persist ?? persistence.persist,
        emit: (samples) => supervisor.bus.emit('samples', samples),
        status: (e) => supervisor.bus.emit('machine-status', e),
      });
    } catch (err) {
      await api.close();
      await supervisor.stop();
      await persistence.stop();
      throw err;
    }
  }
  log.info({ url, site: config.site.id, machines: config.machines.length }, 'linegate started');
  return {
    supervisor,
    url,
    async stop() {
      await api.close();
      await mqtt?.stop();
      await supervisor.stop();
      await persistence.stop();
    },
  };
}
