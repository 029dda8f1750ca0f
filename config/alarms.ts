import type { AlarmMachine } from '../gateway/alarms/engine.js';
import type { AlarmRule, Severity } from '../gateway/alarms/types.js';
import type { LocalText } from '../gateway/core/points.js';
import type { AlarmRuleInput } from './alarm-rule-schema.js';
import type { AlarmsInput, ChannelInput } from './alarms-schema.js';
import { type ConfigIssue, issueAt, type Locate } from './issues.js';
import type { AnyMachineConfig, AnyProfile } from './types.js';

/** The `alarms:` section normalised: rules per machine (profile templates + site rules), channels. */

export type ChannelConfig = ChannelInput & { readonly language: 'vi' | 'en'; readonly maxPerHour: number };

export interface RouteConfig {
  readonly channels: readonly string[];
  readonly maxSeverity: Severity;
  readonly lines: readonly string[] | null;
  /** Minutes of the site day [from, to); to < from wraps past midnight. */
  readonly hours: { readonly from: number; readonly to: number } | null;
  /** Also a "returned to normal" message for each activation this route's channels were sent. */
  readonly notifyReturn?: boolean;
}

export interface AlarmsConfig {
  readonly machines: readonly AlarmMachine[];
  readonly dashboardUrl: string | null;
  /** Alarm events older than this are deleted (absent: 730 days). */
  readonly historyMs?: number;
  readonly timezone: string;
  /** Line id → name, for message texts. */
  readonly lineNames?: Readonly<Record<string, string>>;
  readonly channels: readonly ChannelConfig[];
  readonly routes: readonly RouteConfig[];
  readonly escalation: {
    readonly afterMs: number;
    readonly channels: readonly string[];
    readonly maxSeverity: Severity;
  } | null;
  readonly quietHours: { readonly from: number; readonly to: number; readonly maxSeverity: Severity } | null;
  readonly flood: {
    readonly alarms: number;
    readonly windowMs: number;
    readonly chatterCount: number;
    readonly chatterWindowMs: number;
  };
}

export const ALARM_DEFAULTS = {
  historyDays: 730,
  commLossSeverity: 2,
  commLossOnDelayS: 10,
  stillForS: 60,
  maxPerHour: 30,
  floodAlarms: 10,
  floodWindowMinutes: 10,
  chatterCount: 3,
  chatterWindowS: 60,
  routeMaxSeverity: 3,
} as const;

const minutes = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));

function defaultSeverity(r: AlarmRuleInput): Severity {
  if (r.level === 'HH' || r.level === 'LL') return 1;
  if (r.kind === 'fault_code' || r.kind === 'comm_loss') return 2;
  return 3;
}

/** Rules in force for a machine: profile templates, replaced or added to by the site's rules. */
function rulesFor(
  m: AnyMachineConfig,
  profile: AnyProfile | null,
  input: AlarmsInput | undefined,
): AlarmRuleInput[] {
  const byId = new Map<string, AlarmRuleInput>();
  for (const r of profile?.alarms ?? []) byId.set(r.id, r);
  for (const r of input?.machines?.[m.id] ?? []) byId.set(r.id, r);
  const cl = input?.commLoss;
  if (cl?.enabled !== false && !byId.has('comm_loss'))
    byId.set('comm_loss', {
      id: 'comm_loss',
      kind: 'comm_loss',
      severity: cl?.severity ?? ALARM_DEFAULTS.commLossSeverity,
      onDelayS: cl?.onDelayS ?? ALARM_DEFAULTS.commLossOnDelayS,
    });
  return [...byId.values()].filter((r) => r.enabled !== false);
}

type PointLike = { name: string; role?: string; unit?: string; label?: LocalText };

function normaliseRule(r: AlarmRuleInput, m: AnyMachineConfig): AlarmRule {
  const points = m.points as readonly PointLike[];
  const pointName =
    r.point ?? (r.kind === 'fault_code' ? (points.find((p) => p.role === 'fault_code')?.name ?? null) : null);
  const point = points.find((p) => p.name === pointName);
  const still = r.kind === 'frozen' || r.kind === 'jam';
  return {
    id: r.id,
    kind: r.kind,
    point: r.kind === 'comm_loss' ? null : pointName,
    level: (r.level as AlarmRule['level']) ?? (r.kind === 'high' ? 'H' : r.kind === 'low' ? 'L' : null),
    limit: r.limit ?? null,
    deadband: r.deadband ?? 0,
    equals: r.equals ?? null,
    forMs: Math.round((r.forS ?? (still ? ALARM_DEFAULTS.stillForS : 0)) * 1000),
    tolerance: r.tolerance ?? 0,
    onDelayMs: Math.round((r.onDelayS ?? 0) * 1000),
    offDelayMs: Math.round((r.offDelayS ?? 0) * 1000),
    severity: (r.severity as Severity | undefined) ?? defaultSeverity(r),
    message: r.message ?? null,
    unit: point?.unit ?? null,
    codes: m.faultCodes,
  };
}

export function normaliseAlarms(
  input: AlarmsInput | undefined,
  machines: readonly AnyMachineConfig[],
  profiles: ReadonlyMap<string, AnyProfile>,
  timezone: string,
  lineNames: Readonly<Record<string, string>> = {},
): AlarmsConfig | undefined {
  if (input?.enabled === false) return undefined;
  const alarmMachines: AlarmMachine[] = machines.map((m) => {
    const points = m.points as readonly PointLike[];
    const profile = m.profile ? (profiles.get(m.profile) ?? null) : null;
    return {
      id: m.id,
      name: m.name,
      line: m.line,
      runPoint: points.find((p) => p.role === 'run')?.name ?? null,
      rules: rulesFor(m, profile, input).map((r) => normaliseRule(r, m)),
      labels: Object.fromEntries(points.filter((p) => p.label).map((p) => [p.name, p.label as LocalText])),
    };
  });
  const f = input?.flood;
  return {
    machines: alarmMachines,
    dashboardUrl: input?.dashboardUrl ?? null,
    historyMs: (input?.historyDays ?? ALARM_DEFAULTS.historyDays) * 86_400_000,
    timezone,
    lineNames,
    channels: (input?.channels ?? [])
      .filter((c) => c.enabled !== false)
      .map((c) => ({
        ...c,
        language: c.language ?? 'vi',
        maxPerHour: c.maxPerHour ?? ALARM_DEFAULTS.maxPerHour,
      })),
    routes: (
      input?.routes ?? (input?.channels?.length ? [{ channels: input.channels.map((c) => c.id) }] : [])
    ).map((r) => ({
      channels: r.channels,
      maxSeverity: (r.maxSeverity ?? ALARM_DEFAULTS.routeMaxSeverity) as Severity,
      lines: r.lines ?? null,
      hours: r.hours ? { from: minutes(r.hours.from), to: minutes(r.hours.to) } : null,
      notifyReturn: r.notifyReturn ?? false,
    })),
    escalation: input?.escalation
      ? {
          afterMs: input.escalation.afterMinutes * 60_000,
          channels: input.escalation.channels,
          maxSeverity: (input.escalation.maxSeverity ?? 2) as Severity,
        }
      : null,
    quietHours: input?.quietHours
      ? {
          from: minutes(input.quietHours.from),
          to: minutes(input.quietHours.to),
          maxSeverity: (input.quietHours.maxSeverity ?? 1) as Severity,
        }
      : null,
    flood: {
      alarms: f?.alarms ?? ALARM_DEFAULTS.floodAlarms,
      windowMs: (f?.windowMinutes ?? ALARM_DEFAULTS.floodWindowMinutes) * 60_000,
      chatterCount: f?.chatterCount ?? ALARM_DEFAULTS.chatterCount,
      chatterWindowMs: (f?.chatterWindowS ?? ALARM_DEFAULTS.chatterWindowS) * 1000,
    },
  };
}

const NEEDS_LIMIT = new Set(['high', 'low', 'rate_of_change']);

/** What the schema cannot say: rules name real points, routes name real channels. */
export function alarmIssues(
  input: AlarmsInput | undefined,
  machines: readonly AnyMachineConfig[],
  profiles: ReadonlyMap<string, AnyProfile>,
  file: string,
  locate: Locate,
): ConfigIssue[] {
  if (!input && machines.every((m) => !m.profile || !profiles.get(m.profile)?.alarms?.length)) return [];
  const out: ConfigIssue[] = [];
  const byId = new Map(machines.map((m) => [m.id, m]));
  const checkRule = (r: AlarmRuleInput, m: AnyMachineConfig, at: (string | number)[], where: string) => {
    const names = new Set((m.points as readonly PointLike[]).map((p) => p.name));
    const bad = (path: string, msg: string) =>
      out.push(issueAt(file, locate, [...at, path], `${where}${msg}`));
    if (r.kind !== 'comm_loss' && r.kind !== 'fault_code' && !r.point)
      bad('point', `rule "${r.id}" needs a point`);
    if (r.point && !names.has(r.point))
      bad('point', `rule "${r.id}": machine ${m.id} has no point "${r.point}"`);
    if (NEEDS_LIMIT.has(r.kind) && r.limit === undefined)
      bad('limit', `rule "${r.id}" (${r.kind}) needs a limit`);
    if (r.kind === 'state_equals' && r.equals === undefined) bad('equals', `rule "${r.id}" needs equals`);
  };
  machines.forEach((m) => {
    const profile = m.profile ? profiles.get(m.profile) : undefined;
    const overridden = new Set((input?.machines?.[m.id] ?? []).map((r) => r.id));
    (profile?.alarms ?? []).forEach((r, j) => {
      if (!overridden.has(r.id) && r.enabled !== false)
        checkRule(r, m, ['alarms', 'machines', m.id], `profile ${profile?.id} alarms[${j}]: `);
    });
  });
  for (const [id, rules] of Object.entries(input?.machines ?? {})) {
    const m = byId.get(id);
    if (!m) {
      out.push(issueAt(file, locate, ['alarms', 'machines', id], `unknown machine "${id}"`));
      continue;
    }
    rules.forEach((r, i) => {
      if (r.enabled !== false) checkRule(r, m, ['alarms', 'machines', id, i], '');
    });
  }
  const channels = new Set<string>();
  (input?.channels ?? []).forEach((c, i) => {
    if (channels.has(c.id))
      out.push(issueAt(file, locate, ['alarms', 'channels', i, 'id'], `duplicate channel id "${c.id}"`));
    channels.add(c.id);
  });
  const checkRefs = (ids: readonly string[], at: (string | number)[]) => {
    ids.forEach((c, j) => {
      if (!channels.has(c)) out.push(issueAt(file, locate, [...at, j], `unknown channel "${c}"`));
    });
  };
  (input?.routes ?? []).forEach((r, i) => {
    checkRefs(r.channels, ['alarms', 'routes', i, 'channels']);
  });
  if (input?.escalation) checkRefs(input.escalation.channels, ['alarms', 'escalation', 'channels']);
  return out;
}
