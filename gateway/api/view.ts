import type { AnyMachineConfig, LinegateConfig } from '../../config/types.js';
import type { AuthService } from '../auth/auth-service.js';
import type { CommStats, MessageStats } from '../core/source.js';
import type { ProductionService } from '../production/service.js';
import type { MachineState } from '../runtime/live-state.js';
import type { ReloadResult, ReloadStatus } from '../runtime/reloader.js';
import type { SinkStatus } from '../runtime/running-sink.js';
import type { AuditLog } from '../store/audit.js';
import type { Store, StoreStats } from '../store/index.js';
import type { AlarmsHandle } from './alarm-routes.js';
import type { MetricsEndpoint } from './metrics-routes.js';

/** Read-only handle the API gets: no sources, no sinks, only what it may show. */
export interface GatewayView {
  readonly config: LinegateConfig;
  machineState(id: string): Readonly<MachineState> | undefined;
  /** Request counters of a polled machine, message counters of an MQTT machine. */
  commStats(id: string): CommStats | MessageStats | undefined;
  links(): readonly { id: string; open: boolean; lastError: string | null; reconnectAttempts: number }[];
  readonly startedAt: number;
  readonly version: string;
  /** The local store and each sink's backlog (optional: absent in tests without a store). */
  storage?(): { store: StoreStats; sinks: readonly SinkStatus[] };
  history?(q: {
    machine: string;
    point: string;
    from: number;
    to: number;
    maxPoints?: number;
  }): HistoryResult;
  /** The alarm engine (absent when alarms are off or in tests without it). */
  readonly alarms?: AlarmsHandle;
  /** Production (states, counters → kg, shifts, OEE, stops); absent in tests without it. */
  readonly production?: ProductionService;
  /** Hot reload (optional: absent in tests without a reloader): status, and a reload now. */
  readonly reload?: { status(): ReloadStatus; run(): Promise<ReloadResult> };
  /** GET /metrics (optional: absent in tests that do not build metrics). */
  readonly metrics?: MetricsEndpoint;
  /** Users and sessions (absent in tests without a store: then anonymous may read, no one may change). */
  readonly auth?: AuthService;
  /** The audit trail, read by GET /api/audit. */
  readonly audit?: AuditLog;
}

export type HistoryResult = ReturnType<Store['history']>;

/** How each kind of connection is shown. Register, don't branch. */
const CONNECTION_VIEWS: {
  [K in AnyMachineConfig['connection']['type']]: (
    c: Extract<AnyMachineConfig['connection'], { type: K }>,
  ) => { type: K; target: string; unitId?: number; topic?: string };
} = {
  tcp: (c) => ({ type: c.type, target: `${c.host}:${c.port}`, unitId: c.unitId }),
  rtu: (c) => ({ type: c.type, target: c.bus, unitId: c.unitId }),
  mqtt: (c) => ({ type: c.type, target: c.source, topic: c.topic }),
};

function connectionView(c: AnyMachineConfig['connection']) {
  return (CONNECTION_VIEWS[c.type] as (x: typeof c) => ReturnType<(typeof CONNECTION_VIEWS)['tcp']>)(c);
}

export function machineView(view: GatewayView, m: AnyMachineConfig) {
  const st = view.machineState(m.id);
  const c = m.connection;
  return {
    id: m.id,
    name: m.name,
    kind: m.kind,
    line: m.line,
    profile: m.profile,
    online: st?.online ?? null,
    onlineSince: st?.since ?? null,
    offlineReason: st?.online === false ? st.reason : null,
    lastPollTs: st?.lastPollTs ?? null,
    connection: connectionView(c),
    pollIntervalMs: 'pollIntervalMs' in m ? m.pollIntervalMs : null,
    points: m.points.map((p) => {
      const ps = st?.points.get(p.name);
      return {
        name: p.name,
        label: p.label ?? null,
        unit: p.unit ?? null,
        role: p.role ?? null,
        value: ps?.value ?? null,
        quality: ps?.quality ?? 'uncertain',
        ts: ps?.ts ?? null,
        lastGood: ps?.lastGood ?? null,
      };
    }),
    comm: view.commStats(m.id) ?? null,
    ...(view.alarms ? { alarms: view.alarms.summary(m.id) } : {}),
    ...productionOf(view, m.id),
  };
}

/** Production members of a machine (BRIEF contract); null values when production does not track it. */
function productionOf(view: GatewayView, id: string) {
  const p = view.production?.machineSummary(id);
  return {
    state: p?.state ?? null,
    stateSince: p?.stateSince ?? null,
    fault: p?.fault ?? null,
    product: p?.product ?? null,
    productName: p?.productName ?? null,
    today: p?.today ?? null,
  };
}
