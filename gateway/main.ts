import type { Logger } from 'pino';
import { loadConfig } from '../config/load.js';
import { packageVersion } from '../config/paths.js';
import { isMqttMachineConfig, type LinegateConfig } from '../config/types.js';
import { type RunningAlarms, startAlarms } from './alarms/index.js';
import { dashboardConfig } from './api/dashboard.js';
import { PUBLIC, READ } from './api/policy.js';
import { buildApi } from './api/server.js';
import type { GatewayView } from './api/view.js';
import { AuthService } from './auth/auth-service.js';
import { LinegateError } from './core/errors.js';
import type { Sample } from './core/sample.js';
import { LazyGatewayMetrics } from './metrics/lazy-metrics.js';
import { adoptProcessZone } from './production/process-zone.js';
import { ProductionService } from './production/service.js';
import { systemClock } from './runtime/clock.js';
import { CommStatsTracker } from './runtime/comm-stats.js';
import { LinkScheduler } from './runtime/link-scheduler.js';
import { loadMqtt, usesMqtt } from './runtime/load-mqtt.js';
import { startPersistence } from './runtime/persistence.js';
import { onReload, type ReloadHooks } from './runtime/reload-acquisition.js';
import { Reloader, type ReloadResult, type ReloadTrigger } from './runtime/reloader.js';
import { type SupervisedSource, Supervisor } from './runtime/supervisor.js';
import { linkFactory } from './sources/modbus/links.js';
import { ModbusSource } from './sources/modbus/source.js';
import type { RunningMqtt } from './sources/mqtt/index.js';
import { acquireDataDirLock } from './store/data-dir-lock.js';

/** The only file that knows every concrete part: config → links, sources, supervisor, API. */

export interface RunningGateway {
  readonly supervisor: Supervisor;
  readonly url: string;
  /** Dashboard users and sessions (the CLI's `user` command works on the store directly). */
  readonly auth: AuthService;
  /** Hot reload (SIGHUP, file watch, POST /api/reload): see runtime/reloader.ts. */
  readonly reloader: Reloader;
  reload(trigger: ReloadTrigger): Promise<ReloadResult>;
  stop(): Promise<void>;
}

export const VERSION: string = packageVersion();

const RECONNECT = { baseMs: 500, maxMs: 30_000 };

export function buildAcquisition(
  config: LinegateConfig,
  log: Logger,
): { supervisor: Supervisor; schedulers: LinkScheduler[] } {
  const { sources, schedulers } = buildSources(config, log);
  return { supervisor: new Supervisor(sources, schedulers, log), schedulers };
}

/** The polled sources of a config and the links they share (not started). */
export function buildSources(
  config: LinegateConfig,
  log: Logger,
): { sources: SupervisedSource[]; schedulers: LinkScheduler[] } {
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
  return { sources, schedulers: [...schedulers.values()] };
}

export interface GatewayDeps {
  /** Durable write for acknowledged MQTT messages; default: the local store's persist. */
  readonly persist?: (samples: readonly Sample[]) => void;
  /** Reads the config again for a reload; default: loadConfig(config.file). */
  readonly loadConfig?: () => LinegateConfig;
}

export async function startGateway(
  config: LinegateConfig,
  log: Logger,
  deps: GatewayDeps = {},
): Promise<RunningGateway> {
  const reloader = new Reloader({ config, log, load: deps.loadConfig ?? (() => loadConfig(config.file)) });
  const { supervisor, schedulers: firstLinks } = buildAcquisition(config, log);
  let schedulers = firstLinks;
  const mqttMachines = new Set(config.machines.filter(isMqttMachineConfig).map((m) => m.id));
  const lock = acquireDataDirLock(config.dataDir); // one gateway per data directory
  let persistence: ReturnType<typeof startPersistence>;
  try {
    persistence = startPersistence(config, { bus: supervisor.bus, log, persistedBySource: mqttMachines });
  } catch (err) {
    lock.release();
    throw err;
  }
  let mqtt: RunningMqtt | null = null;
  const startProduction = (c: LinegateConfig): ProductionService => {
    // The site's zone as the process's TZ (unless set otherwise): offsets from Date, not Intl.
    adoptProcessZone(c.site.timezone);
    const p = new ProductionService({
      config: c,
      db: persistence.store.db,
      bus: supervisor.bus,
      appendEvents: (rows) => persistence.store.appendEvents(rows),
      audit: persistence.audit,
      clock: systemClock,
      log: log.child({ part: 'production' }),
    });
    p.start();
    return p;
  };
  const startAlarmsFor = (c: LinegateConfig): RunningAlarms | null =>
    c.alarms
      ? startAlarms(c.alarms, {
          site: c.site.id,
          bus: supervisor.bus,
          db: persistence.store.db,
          appendEvents: (rows) => persistence.store.appendEvents(rows),
          audit: persistence.audit,
          log,
          machineMode: (m) => production.stateOf(m) ?? 'other',
        })
      : null;
  let production = startProduction(config);
  let alarms = startAlarmsFor(config);
  const stopParts = async () => {
    await alarms?.stop();
    production.stop();
  };
  const metrics = new LazyGatewayMetrics({
    site: config.site.id,
    version: VERSION,
    machines: () => view.config.machines,
    online: (id) => view.machineState(id)?.online ?? undefined,
    commStats: (id) => view.commStats(id),
    latency: (id) => supervisor.stats(id)?.latencyHistogram(),
    links: () => view.links(),
    storage: () => ({ store: persistence.storeStats(), sinks: persistence.sinks() }),
    now: Date.now,
  });
  const auth = AuthService.open({
    db: persistence.store.db,
    audit: persistence.audit,
    config: dashboardConfig(config),
    now: Date.now,
    log: log.child({ part: 'auth' }),
  });
  const view: GatewayView = {
    get config() {
      return reloader.config;
    },
    machineState: (id) => supervisor.live.get(id),
    commStats: (id) => supervisor.stats(id)?.snapshot() ?? mqtt?.machineStats(id),
    links: () => schedulers.map((s) => s.status),
    startedAt: supervisor.startedAt,
    version: VERSION,
    storage: () => ({ store: persistence.storeStats(), sinks: persistence.sinks() }),
    history: (q) => persistence.store.history(q),
    reload: { status: () => reloader.status(), run: () => reloader.reload('api') },
    get alarms() {
      return alarms?.handle;
    },
    get production() {
      return production;
    },
    ...(config.metrics?.enabled === false
      ? {}
      : {
          metrics: {
            render: () => metrics.render(),
            policy: config.metrics?.access === 'read' ? READ : PUBLIC,
          },
        }),
    auth,
    audit: persistence.audit,
  };
  metrics.provideActiveAlarms(() => {
    const counts = new Map<string, { severity: number; state: string; count: number }>();
    for (const a of alarms?.handle.list({ active: true }) ?? []) {
      const key = `${a.severity}/${a.state}`;
      const c = counts.get(key) ?? { severity: a.severity, state: a.state, count: 0 };
      c.count++;
      counts.set(key, c);
    }
    return [...counts.values()];
  });
  if (config.metrics?.enabled !== false) metrics.start();
  const api = buildApi(view, log);
  let url: string;
  try {
    url = await api.listen({ host: config.http.host, port: config.http.port });
  } catch (err) {
    await stopParts();
    metrics.stop();
    await persistence.stop();
    lock.release();
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
  const startMqttFor = async (c: LinegateConfig): Promise<RunningMqtt | null> =>
    usesMqtt(c)
      ? (await loadMqtt())(c, {
          log,
          persist: deps.persist ?? persistence.persist,
          emit: (samples) => supervisor.bus.emit('samples', samples),
          status: (e) => supervisor.bus.emit('machine-status', e),
        })
      : null;
  try {
    mqtt = await startMqttFor(config);
  } catch (err) {
    await api.close();
    await supervisor.stop();
    metrics.stop();
    await stopParts();
    await persistence.stop();
    lock.release();
    throw err;
  }
  const hooks: ReloadHooks = {
    persistence,
    supervisor,
    mqttMachines,
    buildSources: (c) => buildSources(c, log),
    setLinks: (links) => {
      schedulers = links;
    },
    restartMqtt: async (c) => {
      await mqtt?.stop();
      mqtt = null;
      mqtt = await startMqttFor(c);
    },
  };
  onReload(reloader, hooks);
  // Production and alarms keep their state in the store: a reload restarts them on the new config.
  reloader.register('production+alarms', async (next) => {
    await stopParts();
    production = startProduction(next);
    alarms = startAlarmsFor(next);
  });
  reloader.follow(config);
  log.info({ url, site: config.site.id, machines: config.machines.length }, 'linegate started');
  return {
    supervisor,
    url,
    auth,
    reloader,
    reload: (trigger) => reloader.reload(trigger),
    async stop() {
      await reloader.stop();
      await api.close();
      await mqtt?.stop();
      metrics.stop();
      await supervisor.stop();
      await stopParts();
      await persistence.stop();
      lock.release();
    },
  };
}
