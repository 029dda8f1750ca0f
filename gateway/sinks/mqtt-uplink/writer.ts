import { readFileSync } from 'node:fs';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import type { ErrorCode } from '../../core/errors.js';
import { classifyClientError } from '../../sources/mqtt/client-source.js';
import type { LineWriter, WriteResult } from '../types.js';
import { groupUplinkLines, type UplinkMessage } from './group.js';
import { groupSparkplugLines } from './group-sparkplug.js';
import type { SparkplugSession } from './sparkplug.js';

export interface UplinkWriterOptions {
  readonly url: string;
  readonly clientId: string;
  readonly username?: string;
  readonly password?: string;
  readonly keepaliveSeconds: number;
  /** CONNACK wait, and the longest wait for the next PUBACK of a request. */
  readonly timeoutMs: number;
  readonly samplesPerMessage: number;
  /** `{prefix}/{site}/gateway/status`: retained `online` on connect, `offline` as will and at close. */
  readonly statusTopic: string;
  readonly tls: {
    readonly ca: string | null;
    readonly cert: string | null;
    readonly key: string | null;
    readonly servername: string | null;
  } | null;
  readonly now?: () => number;
  /**
   * `format: sparkplug-b`: births, deaths and DDATA of this session instead of the JSON status
   * topic and telemetry arrays; DDATA at `qos` (births at QoS 0).
   */
  readonly sparkplug?: { readonly session: SparkplugSession; readonly qos: 0 | 1 } | null;
}

type Failure = Exclude<WriteResult, { ok: true }>;

function readPem(file: string | null, what: string): Buffer | undefined {
  if (file === null) return undefined;
  try {
    return readFileSync(file);
  } catch (err) {
    throw Object.assign(
      new Error(
        `cannot read tls.${what} ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
      ),
      { code: 'ERR_TLS_FILE' },
    );
  }
}

/** A connection failure → what the runner does: TLS and refused credentials wait, the rest backs off. */
export function classifyUplinkError(err: Error & { code?: unknown }, url: string): Failure {
  const { code, message } = classifyClientError(err, url);
  if (code === 'LG_MQTT_TLS' || err.code === 'ERR_TLS_FILE')
    return { ok: false, kind: 'fatal', status: 0, code: 'LG_MQTT_TLS', message };
  if (err.code === 4 || err.code === 5 || err.code === 134 || err.code === 135)
    return { ok: false, kind: 'auth', status: err.code, code: 'LG_MQTT_CONNECT', message };
  return { ok: false, kind: 'retry', code: code as ErrorCode, message };
}

const retry = (message: string): Failure => ({ ok: false, kind: 'retry', message });

/**
 * Publishes encoded outbox lines to the central broker with mqtt.js, QoS 1, and reports
 * success only when the broker has sent a PUBACK for every message of the request (the runner
 * then acks the outbox). One connection, opened by the first `write()` and again by the next
 * `write()` after it was lost: mqtt.js's own reconnect is off (the runner owns the backoff), and
 * a connection that failed in the middle of a request is dropped with everything mqtt.js still
 * held, so a message is resent only by the runner, in outbox order.
 *
 * mqtts:// always verifies the broker (rejectUnauthorized); a refused certificate is a `fatal`
 * result with LG_MQTT_TLS (the runner retries slowly, with TLS again): never plain text.
 *
 * With `sparkplug`, the status topic gives way to Sparkplug's own: the NDEATH is the will, the
 * births go out on each connection (and on a Rebirth command), lines become DDATA (sparkplug.ts).
 *
 * Calling rules: as LineWriter (one `write()` at a time); `close()` once at the end publishes
 * the retained `offline` status (Sparkplug: the NDEATH) and disconnects.
 */
export class UplinkWriter implements LineWriter {
  readonly target: string;
  private client: MqttClient | null = null;
  private readonly now: () => number;

  constructor(private readonly o: UplinkWriterOptions) {
    const u = new URL(o.url);
    this.target = `${u.protocol}//${u.host}`;
    this.now = o.now ?? Date.now;
  }

  async write(lines: readonly string[], signal?: AbortSignal): Promise<WriteResult> {
    const sp = this.o.sparkplug;
    let messages: UplinkMessage[] = [];
    if (!sp) {
      try {
        messages = groupUplinkLines(lines, this.o.samplesPerMessage);
      } catch (err) {
        return { ok: false, kind: 'bad-lines', lines: [], message: (err as Error).message };
      }
    }
    let client: MqttClient;
    try {
      client = await this.connected(signal);
    } catch (err) {
      return classifyUplinkError(err as Error, this.target);
    }
    if (sp) {
      // Numbered by the session, so only once connected (after this session's births).
      try {
        messages = groupSparkplugLines(lines, sp.session, {
          maxMetrics: this.o.samplesPerMessage,
          qos: sp.qos,
        });
      } catch (err) {
        return { ok: false, kind: 'bad-lines', lines: [], message: (err as Error).message };
      }
    }
    return this.publishAll(client, messages, signal);
  }

  async close(): Promise<void> {
    const client = this.client;
    this.client = null;
    if (!client) return;
    await new Promise<void>((resolve) => {
      const t = setTimeout(() => {
        client.end(true);
        resolve();
      }, 2000);
      const end = (): void => {
        client.end(false, {}, () => {
          clearTimeout(t);
          resolve();
        });
      };
      const sp = this.o.sparkplug;
      if (client.connected && sp) {
        const death = sp.session.will();
        client.publish(death.topic, death.payload, { qos: 1, retain: false }, end);
      } else if (client.connected)
        client.publish(this.o.statusTopic, this.status('offline'), { qos: 1, retain: true }, end);
      else end();
    });
  }

  private status(state: 'online' | 'offline'): string {
    return JSON.stringify({ state, clientId: this.o.clientId, ts: this.now() });
  }

  private drop(): void {
    this.client?.end(true);
    this.client = null;
  }

  private connected(signal?: AbortSignal): Promise<MqttClient> {
    if (this.client?.connected) return Promise.resolve(this.client);
    this.drop();
    const o = this.o;
    o.sparkplug?.session.nextSession();
    const death = o.sparkplug?.session.will();
    const opts: IClientOptions = {
      clientId: o.clientId,
      clean: true,
      protocolVersion: 4,
      keepalive: o.keepaliveSeconds,
      connectTimeout: o.timeoutMs,
      reconnectPeriod: 0,
      will: death
        ? { topic: death.topic, payload: death.payload, qos: 1, retain: false }
        : {
            topic: o.statusTopic,
            payload: Buffer.from(
              JSON.stringify({ state: 'offline', clientId: o.clientId, reason: 'connection lost' }),
            ),
            qos: 1,
            retain: true,
          },
      ...(o.username !== undefined ? { username: o.username } : {}),
      ...(o.password !== undefined ? { password: o.password } : {}),
    };
    if (o.url.startsWith('mqtts://'))
      Object.assign(opts, {
        rejectUnauthorized: true,
        ca: readPem(o.tls?.ca ?? null, 'ca'),
        cert: readPem(o.tls?.cert ?? null, 'cert'),
        key: readPem(o.tls?.key ?? null, 'key'),
        ...(o.tls?.servername ? { servername: o.tls.servername } : {}),
      });
    return new Promise((resolve, reject) => {
      const client = mqtt.connect(o.url, opts);
      let settled = false;
      const settle = (err: Error | null): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        client.removeListener('connect', onConnect);
        client.removeListener('close', onClose);
        if (err) {
          client.end(true);
          reject(err);
          return;
        }
        this.client = client;
        // Birth before any data on this connection: Sparkplug NBIRTH + DBIRTHs, or retained online.
        if (o.sparkplug) this.sparkplugBirths(client, o.sparkplug.session);
        else client.publish(o.statusTopic, this.status('online'), { qos: 1, retain: true }, () => undefined);
        resolve(client);
      };
      const onConnect = (): void => settle(null);
      const onClose = (): void => settle(lastError ?? new Error('connection closed before CONNACK'));
      const onAbort = (): void => settle(new Error('aborted'));
      let lastError: Error | null = null;
      const timer = setTimeout(() => settle(new Error(`no CONNACK within ${o.timeoutMs} ms`)), o.timeoutMs);
      client.on('error', (err) => {
        lastError = err;
        if (!settled) settle(err);
      });
      client.on('connect', onConnect);
      client.on('close', onClose);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** Births now, and again whenever a host application sends the Rebirth command (NCMD). */
  private sparkplugBirths(client: MqttClient, session: SparkplugSession): void {
    const publishBirths = (): void => {
      for (const m of session.births()) client.publish(m.topic, m.payload, { qos: 0 }, () => undefined);
    };
    const ncmd = session.topic('NCMD');
    client.subscribe(ncmd, { qos: 0 }, () => undefined);
    client.on('message', (topic, payload) => {
      if (topic === ncmd && session.isRebirth(payload) && this.client === client) publishBirths();
    });
    publishBirths();
  }

  private publishAll(
    client: MqttClient,
    messages: readonly UplinkMessage[],
    signal?: AbortSignal,
  ): Promise<WriteResult> {
    if (messages.length === 0) return Promise.resolve({ ok: true });
    return new Promise((resolve) => {
      let left = messages.length;
      let done = false;
      let timer: NodeJS.Timeout | undefined;
      const finish = (r: WriteResult): void => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        client.removeListener('close', onClose);
        signal?.removeEventListener('abort', onAbort);
        if (!r.ok && this.client === client) this.drop();
        resolve(r);
      };
      const arm = (): void => {
        clearTimeout(timer);
        timer = setTimeout(() => finish(retry(`no PUBACK within ${this.o.timeoutMs} ms`)), this.o.timeoutMs);
      };
      const onClose = (): void => finish(retry(`connection to ${this.target} lost before every PUBACK`));
      const onAbort = (): void => finish(retry('aborted'));
      client.on('close', onClose);
      signal?.addEventListener('abort', onAbort, { once: true });
      arm();
      for (const m of messages) {
        client.publish(m.topic, m.payload, { qos: m.qos ?? 1, retain: m.retain }, (err) => {
          if (done) return;
          if (err) return finish(retry(`publish to ${m.topic}: ${err.message}`));
          arm();
          if (--left === 0) finish({ ok: true });
        });
      }
    });
  }
}
