import { dirname, isAbsolute, resolve } from 'node:path';
import { alarmIssues, normaliseAlarms } from './alarms.js';
import { normaliseDashboard } from './dashboard.js';
import { interpolateEnv } from './env.js';
import { ConfigError, type ConfigIssue, issueAt, type Locate, schemaIssues } from './issues.js';
import { fillTopic, normaliseMachine, normaliseMqttMachine } from './machine.js';
import { normaliseMetrics } from './metrics.js';
import { mqttMachineIssues, mqttSectionIssues, normaliseMqtt, topicClashes } from './mqtt.js';
import { uplinkIssues } from './mqtt-uplink.js';
import { deepFreeze, pointIssues } from './points.js';
import { normaliseProduction, productionIssues } from './production.js';
import { defaultProfileDirs, loadProfiles } from './profiles.js';
import { normaliseReload } from './reload-schema.js';
import { type ConfigInput, ConfigSchema, isMqttMachine } from './schema.js';
import { normaliseSinks, normaliseStore } from './sinks.js';
import { type AnyProfile, type BusConfig, DEFAULTS, type LinegateConfig } from './types.js';
import { parseYaml, readYaml, type YamlSource } from './yaml-source.js';

export interface LoadOptions {
  readonly env?: NodeJS.ProcessEnv;
  /** Profile folders; default: the shipped devices/ plus the config's profilesDirs. */
  readonly profileDirs?: readonly string[];
}

/**
 * Reads, validates, normalises and freezes a site config. Every problem in the file is collected
 * and thrown together as one ConfigError whose message has one line per problem:
 * `plant.yaml:14 machines[2].connection.port: must be 1..65535`.
 */
export function loadConfig(file: string, opts: LoadOptions = {}): LinegateConfig {
  return fromSource(readYaml(file), opts, dirname(resolve(file)));
}

export function loadConfigText(text: string, file: string, opts: LoadOptions = {}): LinegateConfig {
  return fromSource(parseYaml(text, file), opts, process.cwd());
}

function fromSource(src: YamlSource, opts: LoadOptions, baseDir: string): LinegateConfig {
  const { file, locate } = src;
  const env = interpolateEnv(src.data, opts.env ?? process.env, file, locate);
  if (env.issues.length > 0) throw new ConfigError('LG_CONFIG_ENV', env.issues);
  const schemaErrs = schemaIssues(ConfigSchema, env.data, file, locate);
  if (schemaErrs.length > 0) throw new ConfigError('LG_CONFIG_INVALID', sortIssues(schemaErrs));
  const input = env.data as ConfigInput;
  const dirs = [
    ...(opts.profileDirs ?? defaultProfileDirs()),
    ...(input.profilesDirs ?? []).map((d) => (isAbsolute(d) ? d : resolve(baseDir, d))),
  ];
  const profiles = loadProfiles(dirs);
  const issues = crossChecks(input, profiles, file, locate);
  if (issues.length > 0) throw new ConfigError('LG_CONFIG_INVALID', sortIssues(issues));

  const buses: BusConfig[] = (input.buses ?? []).map((b) => ({
    id: b.id,
    path: b.path,
    baudRate: b.baudRate ?? DEFAULTS.baudRate,
    parity: b.parity ?? DEFAULTS.parity,
    dataBits: b.dataBits ?? DEFAULTS.dataBits,
    stopBits: b.stopBits ?? DEFAULTS.stopBits,
    timeoutMs: b.timeoutMs ?? DEFAULTS.rtuTimeoutMs,
    interFrameDelayMs: b.interFrameDelayMs ?? DEFAULTS.interFrameDelayMs,
  }));
  const config: LinegateConfig = {
    file,
    site: { id: input.site.id, name: input.site.name, timezone: input.site.timezone ?? DEFAULTS.timezone },
    lines: input.lines,
    buses,
    machines: input.machines
      .filter((m) => m.enabled !== false)
      .map((m) => {
        const profile = m.profile ? (profiles.get(m.profile) ?? null) : null;
        return isMqttMachine(m)
          ? normaliseMqttMachine(m, profile?.protocol === 'mqtt' ? profile : null, input.site.id)
          : normaliseMachine(m, profile?.protocol === 'mqtt' ? null : profile, buses);
      }),
    mqtt: normaliseMqtt(input.mqtt, baseDir),
    http: { host: input.http?.host ?? DEFAULTS.httpHost, port: input.http?.port ?? DEFAULTS.httpPort },
    dataDir: resolve(
      baseDir,
      input.dataDir ?? (opts.env ?? process.env).LINEGATE_DATA_DIR ?? DEFAULTS.dataDir,
    ),
    store: normaliseStore(input.store, baseDir),
    sinks: normaliseSinks(input.sinks, baseDir),
    log: { level: input.log?.level ?? DEFAULTS.logLevel },
    production: normaliseProduction(input.production, input.site.timezone ?? DEFAULTS.timezone),
    reload: normaliseReload(input.reload),
    metrics: normaliseMetrics(input.metrics),
    dashboard: normaliseDashboard(input.dashboard, baseDir),
  };
  const alarmErrs = alarmIssues(input.alarms, config.machines, profiles, file, locate);
  if (alarmErrs.length > 0) throw new ConfigError('LG_CONFIG_INVALID', sortIssues(alarmErrs));
  const alarms = normaliseAlarms(
    input.alarms,
    config.machines,
    profiles,
    config.site.timezone,
    Object.fromEntries(config.lines.map((l) => [l.id, l.name])),
  );
  return deepFreeze(alarms ? { ...config, alarms } : config);
}

function sortIssues(issues: ConfigIssue[]): ConfigIssue[] {
  return [...issues].sort((a, b) => (a.line ?? 0) - (b.line ?? 0));
}

function duplicateIds(
  items: readonly { id: string }[],
  what: string,
  key: string,
  file: string,
  locate: Locate,
): ConfigIssue[] {
  const seen = new Set<string>();
  const out: ConfigIssue[] = [];
  items.forEach((it, i) => {
    if (seen.has(it.id)) out.push(issueAt(file, locate, [key, i, 'id'], `duplicate ${what} id "${it.id}"`));
    seen.add(it.id);
  });
  return out;
}

/** What one schema cannot say: references between parts, unique ids, profile overrides. */
function crossChecks(
  input: ConfigInput,
  profiles: Map<string, AnyProfile>,
  file: string,
  locate: Locate,
): ConfigIssue[] {
  const out: ConfigIssue[] = [
    ...mqttSectionIssues(input.mqtt, file, locate),
    ...uplinkIssues(input.sinks, file, locate),
    ...duplicateIds(input.lines, 'line', 'lines', file, locate),
    ...duplicateIds(input.buses ?? [], 'bus', 'buses', file, locate),
    ...duplicateIds(input.machines, 'machine', 'machines', file, locate),
    ...duplicateIds(input.sinks ?? [], 'sink', 'sinks', file, locate),
  ];
  const lines = new Set(input.lines.map((l) => l.id));
  const buses = new Set((input.buses ?? []).map((b) => b.id));
  const busUnits = new Map<string, number>();
  const mqttTopics: { id: string; topic: string; source: string; index: number }[] = [];
  const tcpUnits = new Map<string, number>();
  input.machines.forEach((m, i) => {
    const at = (path: (string | number)[], msg: string) =>
      out.push(issueAt(file, locate, ['machines', i, ...path], msg));
    if (!lines.has(m.line)) at(['line'], `unknown line "${m.line}" (lines: ${[...lines].join(', ')})`);
    if (isMqttMachine(m)) {
      out.push(...mqttMachineIssues(m, i, input.mqtt, profiles, file, locate));
      if (m.enabled !== false)
        mqttTopics.push({
          id: m.id,
          topic: fillTopic(m.connection.topic, { site: input.site.id, line: m.line, machine: m.id }),
          source: m.connection.source,
          index: i,
        });
      return;
    }
    const c = m.connection;
    const unitKey =
      c.type === 'rtu' ? `${c.bus}/${c.unitId}` : `${c.host}:${c.port ?? DEFAULTS.tcpPort}/${c.unitId ?? 1}`;
    const owners = c.type === 'rtu' ? busUnits : tcpUnits;
    const other = owners.get(unitKey);
    if (m.enabled !== false) {
      if (other !== undefined)
        at(['connection', 'unitId'], `unit ${unitKey} is already used by machines[${other}]`);
      owners.set(unitKey, i);
    }
    if (c.type === 'rtu' && !buses.has(c.bus))
      at(
        ['connection', 'bus'],
        `unknown bus "${c.bus}" (buses: ${[...buses].join(', ') || 'none configured'})`,
      );
    const base = m.modbus?.addressBase ?? 0;
    if (m.points) out.push(...pointIssues(m.points, file, locate, ['machines', i, 'points'], base));
    if (m.profile === undefined) {
      if (!m.points || m.points.length === 0) at([], 'needs a profile or a list of points');
      if (m.kind === undefined) at([], 'needs a kind when it has no profile');
      if (m.overrides) at(['overrides'], 'overrides need a profile');
      return;
    }
    const profile = profiles.get(m.profile);
    if (!profile) {
      at(['profile'], `unknown profile "${m.profile}" (known: ${[...profiles.keys()].sort().join(', ')})`);
      return;
    }
    if (profile.protocol === 'mqtt') {
      at(['profile'], `profile ${profile.id} is an MQTT profile; use connection type mqtt for it`);
      return;
    }
    const names = new Set(profile.points.map((p) => p.name));
    for (const name of Object.keys(m.overrides ?? {})) {
      if (!names.has(name)) at(['overrides', name], `profile ${profile.id} has no point "${name}"`);
    }
    for (const [j, p] of (m.points ?? []).entries()) {
      if (names.has(p.name))
        at(['points', j, 'name'], `"${p.name}" is in profile ${profile.id}; use overrides`);
    }
  });
  out.push(...topicClashes(mqttTopics, file, locate));
  out.push(
    ...productionIssues(
      input.production,
      {
        machines: input.machines.map((m) => m.id),
        lines: [...lines],
        siteTimezone: input.site.timezone ?? DEFAULTS.timezone,
      },
      file,
      locate,
    ),
  );
  return out;
}
