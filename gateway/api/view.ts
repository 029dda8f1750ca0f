import type { LinegateConfig, MachineConfig } from '../../config/types.js';
import type { CommStats } from '../core/source.js';
import type { MachineState } from '../runtime/live-state.js';

/** Read-only handle the API gets: no sources, no sinks, only what it may show. */
export interface GatewayView {
  readonly config: LinegateConfig;
  machineState(id: string): Readonly<MachineState> | undefined;
  commStats(id: string): CommStats | undefined;
  links(): readonly { id: string; open: boolean; lastError: string | null; reconnectAttempts: number }[];
  readonly startedAt: number;
  readonly version: string;
}

export function machineView(view: GatewayView, m: MachineConfig) {
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
    connection:
      c.type === 'tcp'
        ? { type: c.type, target: `${c.host}:${c.port}`, unitId: c.unitId }
        : { type: c.type, target: c.bus, unitId: c.unitId },
    pollIntervalMs: m.pollIntervalMs,
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
  };
}
