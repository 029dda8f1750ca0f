import { isAbsolute, resolve } from 'node:path';
import { type ConfigIssue, issueAt, type Locate, type PathSegment } from './issues.js';
import { mqttPointIssues } from './mqtt-points.js';
import type { MqttMachineInput, MqttSectionInput } from './mqtt-schema.js';
import { type AnyProfile, MQTT_DEFAULTS, type MqttConfig } from './types.js';

/** The id an MQTT machine's `connection.source` uses for the embedded broker. */
export const EMBEDDED_BROKER_ID = 'broker';

/** Grants that would hand a device every topic, or the broker's own `$SYS` tree. */
function grantProblem(grant: string): string | null {
  if (grant === '#' || grant === '+/#') return 'would grant every topic; name the device’s own prefix';
  if (grant.startsWith('$')) return '$SYS and other $ topics are the broker’s own and cannot be granted';
  const levels = grant.split('/');
  if (
    levels.some(
      (l, i) => (l.includes('#') && (l !== '#' || i !== levels.length - 1)) || (l.includes('+') && l !== '+'),
    )
  )
    return '+ must be a whole level and # the whole last level';
  return null;
}

/** Checks of the `mqtt:` section that the schema cannot express. */
export function mqttSectionIssues(
  section: MqttSectionInput | undefined,
  file: string,
  locate: Locate,
): ConfigIssue[] {
  const out: ConfigIssue[] = [];
  const at = (path: PathSegment[], msg: string) => out.push(issueAt(file, locate, ['mqtt', ...path], msg));
  const users = new Set<string>();
  section?.broker?.users.forEach((u, i) => {
    if (users.has(u.username)) at(['broker', 'users', i, 'username'], `duplicate user "${u.username}"`);
    users.add(u.username);
    for (const kind of ['publish', 'subscribe'] as const)
      u[kind]?.forEach((g, j) => {
        const problem = grantProblem(g);
        if (problem) at(['broker', 'users', i, kind, j], problem);
      });
  });
  const ids = new Set<string>();
  section?.clients?.forEach((c, i) => {
    if (c.id === EMBEDDED_BROKER_ID)
      at(['clients', i, 'id'], `"${EMBEDDED_BROKER_ID}" names the embedded broker; pick another id`);
    else if (ids.has(c.id)) at(['clients', i, 'id'], `duplicate client id "${c.id}"`);
    ids.add(c.id);
    if (c.tls && !c.url.startsWith('mqtts://'))
      at(
        ['clients', i, 'url'],
        'tls needs an mqtts:// url (linegate never sends TLS settings over plain text)',
      );
    if (c.tls && (c.tls.cert === undefined) !== (c.tls.key === undefined))
      at(['clients', i, 'tls'], 'cert and key go together');
    if (c.password !== undefined && c.username === undefined)
      at(['clients', i, 'password'], 'needs a username');
    const r = c.reconnect;
    if (r?.baseMs !== undefined && r.maxMs !== undefined && r.maxMs < r.baseMs)
      at(['clients', i, 'reconnect', 'maxMs'], 'must be at least baseMs');
  });
  return out;
}

/** Checks of one MQTT machine: its source, profile, overrides and points. */
export function mqttMachineIssues(
  m: MqttMachineInput,
  i: number,
  section: MqttSectionInput | undefined,
  profiles: Map<string, AnyProfile>,
  file: string,
  locate: Locate,
): ConfigIssue[] {
  const out: ConfigIssue[] = [];
  const at = (path: PathSegment[], msg: string) =>
    out.push(issueAt(file, locate, ['machines', i, ...path], msg));
  const src = m.connection.source;
  const clients = (section?.clients ?? []).map((c) => c.id);
  if (src === EMBEDDED_BROKER_ID) {
    if (!section?.broker || section.broker.enabled === false)
      at(['connection', 'source'], 'the embedded broker is not enabled (mqtt.broker)');
  } else if (!clients.includes(src)) {
    at(
      ['connection', 'source'],
      `unknown MQTT source "${src}" (known: ${[EMBEDDED_BROKER_ID, ...clients].join(', ')})`,
    );
  }
  if (m.points) out.push(...mqttPointIssues(m.points, file, locate, ['machines', i, 'points']));
  if (m.profile === undefined) {
    if (!m.points || m.points.length === 0) at([], 'needs a profile or a list of points');
    if (m.kind === undefined) at([], 'needs a kind when it has no profile');
    if (m.overrides) at(['overrides'], 'overrides need a profile');
    return out;
  }
  const profile = profiles.get(m.profile);
  if (!profile) {
    at(['profile'], `unknown profile "${m.profile}" (known: ${[...profiles.keys()].sort().join(', ')})`);
    return out;
  }
  if (profile.protocol !== 'mqtt') {
    at(
      ['profile'],
      `profile ${profile.id} is a Modbus profile; an MQTT machine needs one with protocol: mqtt`,
    );
    return out;
  }
  const names = new Set(profile.points.map((p) => p.name));
  for (const name of Object.keys(m.overrides ?? {}))
    if (!names.has(name)) at(['overrides', name], `profile ${profile.id} has no point "${name}"`);
  for (const [j, p] of (m.points ?? []).entries())
    if (names.has(p.name))
      at(['points', j, 'name'], `"${p.name}" is in profile ${profile.id}; use overrides`);
  return out;
}

/** Two MQTT machines on one topic of one source would be indistinguishable. */
export function topicClashes(
  machines: readonly { id: string; topic: string; source: string; index: number }[],
  file: string,
  locate: Locate,
): ConfigIssue[] {
  const seen = new Map<string, number>();
  const out: ConfigIssue[] = [];
  for (const m of machines) {
    const key = `${m.source}\u0000${m.topic}`;
    const other = seen.get(key);
    if (other !== undefined)
      out.push(
        issueAt(
          file,
          locate,
          ['machines', m.index, 'connection', 'topic'],
          `topic "${m.topic}" is already used by machines[${other}]`,
        ),
      );
    else seen.set(key, m.index);
  }
  return out;
}

export function normaliseMqtt(section: MqttSectionInput | undefined, baseDir: string): MqttConfig {
  const D = MQTT_DEFAULTS;
  const b = section?.broker;
  const file = (f: string | undefined) => (f === undefined ? null : isAbsolute(f) ? f : resolve(baseDir, f));
  const p = section?.payload ?? {};
  return {
    broker:
      b && b.enabled !== false
        ? {
            host: b.host ?? D.brokerHost,
            port: b.port ?? D.brokerPort,
            websocketPort: b.websocketPort ?? null,
            users: b.users.map((u) => ({
              username: u.username,
              passwordHash: u.passwordHash,
              publish: u.publish ?? [],
              subscribe: u.subscribe ?? [],
            })),
            limits: {
              maxPacketBytes: b.limits?.maxPacketBytes ?? D.maxPacketBytes,
              maxConnections: b.limits?.maxConnections ?? D.maxConnections,
              connectTimeoutMs: b.limits?.connectTimeoutMs ?? D.connectTimeoutMs,
              maxClientIdLength: b.limits?.maxClientIdLength ?? D.maxClientIdLength,
              queueLimit: b.limits?.queueLimit ?? D.queueLimit,
              concurrency: b.limits?.concurrency ?? D.concurrency,
              commitWindowMs: b.limits?.commitWindowMs ?? D.commitWindowMs,
            },
          }
        : null,
    clients: (section?.clients ?? []).map((c) => ({
      id: c.id,
      url: c.url,
      username: c.username ?? null,
      password: c.password ?? null,
      clientId: c.clientId,
      clean: c.clean ?? D.clean,
      qos: c.qos ?? D.qos,
      protocolVersion: c.protocolVersion ?? D.protocolVersion,
      sessionExpirySeconds: c.sessionExpirySeconds ?? D.sessionExpirySeconds,
      keepaliveSeconds: c.keepaliveSeconds ?? D.keepaliveSeconds,
      connectTimeoutMs: c.connectTimeoutMs ?? D.clientConnectTimeoutMs,
      tls: c.tls
        ? {
            ca: file(c.tls.ca),
            cert: file(c.tls.cert),
            key: file(c.tls.key),
            servername: c.tls.servername ?? null,
          }
        : null,
      reconnect: {
        baseMs: c.reconnect?.baseMs ?? D.reconnectBaseMs,
        maxMs: c.reconnect?.maxMs ?? D.reconnectMaxMs,
      },
    })),
    payload: {
      maxPayloadBytes: p.maxPayloadBytes ?? D.maxPayloadBytes,
      maxDepth: p.maxDepth ?? D.maxDepth,
      maxKeys: p.maxKeys ?? D.maxKeys,
      futureToleranceMs: p.futureToleranceMs ?? D.futureToleranceMs,
      maxAgeMs: p.maxAgeMs ?? D.maxAgeMs,
      logIntervalMs: p.logIntervalMs ?? D.logIntervalMs,
    },
  };
}
