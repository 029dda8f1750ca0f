import type { Logger } from 'pino';
import { packageVersion } from '../config/paths.js';
import type { LinegateConfig } from '../config/types.js';
import { buildApi } from './api/server.js';
import type { GatewayView } from './api/view.js';
import { LinegateError } from './core/errors.js';
import { systemClock } from './runtime/clock.js';
import { CommStatsTracker } from './runtime/comm-stats.js';
import { LinkScheduler } from './runtime/link-scheduler.js';
import { type SupervisedSource, Supervisor } from './runtime/supervisor.js';
import { linkFactory } from './sources/modbus/links.js';
import { ModbusSource } from './sources/modbus/source.js';

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

export async function startGateway(config: LinegateConfig, log: Logger): Promise<RunningGateway> {
  const { supervisor, schedulers } = buildAcquisition(config, log);
  const view: GatewayView = {
    config,
    machineState: (id) => supervisor.live.get(id),
    commStats: (id) => supervisor.stats(id)?.snapshot(),
    links: () => schedulers.map((s) => s.status),
    startedAt: supervisor.startedAt,
    version: VERSION,
  };
  const api = buildApi(view, log);
  let url: string;
  try {
    url = await api.listen({ host: config.http.host, port: config.http.port });
  } catch (err) {
    throw new LinegateError(
      'LG_HTTP_LISTEN',
      `cannot listen on ${config.http.host}:${config.http.port}: ${(err as Error).message}`,
      {
        host: config.http.host,
        port: config.http.port,
      },
    );
  }
  supervisor.start();
  log.info({ url, site: config.site.id, machines: config.machines.length }, 'linegate started');
  return {
    supervisor,
    url,
    async stop() {
      await api.close();
      await supervisor.stop();
    },
  };
}
