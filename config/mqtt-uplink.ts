import { isAbsolute, resolve } from 'node:path';
import { type ConfigIssue, issueAt, type Locate, type PathSegment } from './issues.js';
import type { MqttUplinkSinkInput } from './mqtt-uplink-schema.js';
import type { SinkInput } from './sinks-schema.js';
import type { MqttUplinkSinkConfig } from './types.js';

export const UPLINK_DEFAULTS = {
  prefix: 'linegate',
  keepaliveSeconds: 30,
  samplesPerMessage: 200,
} as const;

type Common = Pick<MqttUplinkSinkConfig, 'batchSize' | 'timeoutMs' | 'gzip' | 'from'>;

/** One `mqtt-uplink` sink with its defaults; TLS files resolved against the config's folder. */
export function normaliseUplink(
  s: Omit<MqttUplinkSinkInput, 'enabled'>,
  common: Common,
  baseDir: string,
): MqttUplinkSinkConfig {
  const file = (f: string | undefined) => (f === undefined ? null : isAbsolute(f) ? f : resolve(baseDir, f));
  return {
    id: s.id,
    type: 'mqtt-uplink',
    ...common,
    url: s.url,
    clientId: s.clientId,
    ...(s.username !== undefined ? { username: s.username } : {}),
    ...(s.password !== undefined ? { password: s.password } : {}),
    prefix: s.prefix ?? UPLINK_DEFAULTS.prefix,
    keepaliveSeconds: s.keepaliveSeconds ?? UPLINK_DEFAULTS.keepaliveSeconds,
    samplesPerMessage: s.samplesPerMessage ?? UPLINK_DEFAULTS.samplesPerMessage,
    format: s.format ?? 'json',
    sparkplug: {
      groupId: s.sparkplug?.groupId ?? null,
      edgeNodeId: s.sparkplug?.edgeNodeId ?? null,
      qos: s.sparkplug?.qos ?? 1,
      historicalAfterMs: (s.sparkplug?.historicalAfterS ?? 60) * 1000,
    },
    tls: s.tls
      ? {
          ca: file(s.tls.ca),
          cert: file(s.tls.cert),
          key: file(s.tls.key),
          servername: s.tls.servername ?? null,
        }
      : null,
  };
}

/** Checks of `mqtt-uplink` sinks that the schema cannot express. */
export function uplinkIssues(
  list: readonly SinkInput[] | undefined,
  file: string,
  locate: Locate,
): ConfigIssue[] {
  const out: ConfigIssue[] = [];
  (list ?? []).forEach((s, i) => {
    if (s.type !== 'mqtt-uplink') return;
    const at = (path: PathSegment[], msg: string) =>
      out.push(issueAt(file, locate, ['sinks', i, ...path], msg));
    if (s.tls && !s.url.startsWith('mqtts://'))
      at(['url'], 'tls needs an mqtts:// url (linegate never sends TLS settings over plain text)');
    if (s.tls && (s.tls.cert === undefined) !== (s.tls.key === undefined))
      at(['tls'], 'cert and key go together');
    if (s.password !== undefined && s.username === undefined) at(['password'], 'needs a username');
    if (s.sparkplug && s.format !== 'sparkplug-b') at(['sparkplug'], 'needs format: sparkplug-b');
    if (s.prefix?.includes('//')) at(['prefix'], 'an empty topic level (//) is not allowed');
  });
  return out;
}
