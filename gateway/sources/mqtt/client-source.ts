import type { Logger } from 'pino';
import type { MqttClientConfig } from '../../../config/types.js';
import type { ErrorCode } from '../../core/errors.js';
import { backoffDelay } from '../../runtime/backoff.js';
import { type Clock, systemClock } from '../../runtime/clock.js';
import { connectExternal, type ExternalConnection } from './external-transport.js';
import { RateLimitedWarn } from './hygiene.js';
import type { Accepted, Ingest } from './ingest.js';

export interface ClientStats {
  readonly id: string;
  readonly url: string;
  readonly connected: boolean;
  readonly connects: number;
  readonly reconnectAttempts: number;
  readonly sessionPresent: boolean | null;
  readonly persistFailures: number;
  /** Group commits: `stored` messages / `commits` = messages per SQLite transaction. */
  readonly commits: number;
  readonly lastError: { readonly code: ErrorCode; readonly message: string; readonly ts: number } | null;
}

/** Messages committed together at most (a broker's in-flight window usually keeps groups smaller). */
const MAX_GROUP = 1000;

const TLS_CODES = new Set([
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_SIGNATURE_FAILURE',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'ERR_SSL_WRONG_VERSION_NUMBER',
]);

const CONNACK_TEXT: Readonly<Record<number, string>> = {
  1: 'unacceptable protocol version',
  2: 'client id refused',
  3: 'broker unavailable',
  4: 'bad user name or password',
  5: 'not authorized',
  133: 'client id refused',
  134: 'bad user name or password',
  135: 'not authorized',
};

/** An mqtt.js / TLS / socket error → a code and a sentence a technician can act on. Pure. */
export function classifyClientError(
  err: Error & { code?: unknown },
  url: string,
): { code: ErrorCode; message: string } {
  const code = err.code;
  const text = err.message;
  if (
    (typeof code === 'string' &&
      (TLS_CODES.has(code) || code.startsWith('ERR_SSL') || code.startsWith('ERR_TLS'))) ||
    /certificate|ssl|tls|alert/i.test(text)
  ) {
    const hint = /alert/i.test(text)
      ? 'the broker refused this gateway’s TLS handshake or certificate (check tls.cert/tls.key and the CA the broker trusts)'
      : 'the broker’s certificate is not trusted (check tls.ca, and tls.servername when the URL uses an IP address)';
    return { code: 'LG_MQTT_TLS', message: `TLS to ${url} failed: ${hint}: ${text}` };
  }
  if (typeof code === 'number' && CONNACK_TEXT[code])
    return {
      code: 'LG_MQTT_CONNECT',
      message: `${url} refused the connection: ${CONNACK_TEXT[code]} (${code})`,
    };
  return { code: 'LG_MQTT_CONNECT', message: `${url}: ${text}` };
}

/**
 * Subscribes to an external broker (Mosquitto, EMQX…) with mqtt.js: fixed client id, persistent
 * session (clean=false, MQTT 5 session expiry) and QoS 1, so that messages published while the
 * gateway was away are delivered when it is back. Messages that arrive together are committed
 * together (Ingest.commit → persist: one SQLite transaction), and only then are their PUBACKs
 * sent, in order (transport.ts defers each PUBACK to `ack`). If persist fails, no PUBACK is
 * sent and the connection dropped: the broker delivers the messages again on the next
 * connection.
 *
 * Owns the reconnect timer: capped exponential backoff with jitter (runtime/backoff.ts), reset by
 * a successful connection. TLS failures are reported with code LG_MQTT_TLS and retried with the
 * same settings: never without TLS.
 */
export class ExternalBrokerSource {
  private conn: ExternalConnection | null = null;
  private timer: { cancel(): void } | null = null;
  private stopped = false;
  private attempts = 0;
  private connected = false;
  private connects = 0;
  private sessionPresent: boolean | null = null;
  private persistFailures = 0;
  /** Messages read and not yet committed + acknowledged, in the order received. */
  private pending: { accepted: Accepted | null; ack: (err: Error | null) => void }[] = [];
  private flushScheduled = false;
  /** Group commits done (each one persist for one or more messages). */
  private groups = 0;
  private lastError: ClientStats['lastError'] = null;
  private readonly warn: RateLimitedWarn;
  private readonly clock: Clock;

  constructor(
    private readonly config: MqttClientConfig,
    private readonly ingest: Ingest,
    private readonly log: Logger,
    clock?: Clock,
  ) {
    this.clock = clock ?? systemClock;
    this.warn = new RateLimitedWarn(60_000, (fields, msg) => log.error(fields, msg));
  }

  start(): void {
    const c = this.config;
    this.conn = connectExternal(c, {
      onMessage: (topic, payload, _qos, ack) => this.onMessage(topic, payload, ack),
      onConnect: (sessionPresent) => {
        this.connected = true;
        this.connects++;
        this.attempts = 0;
        this.sessionPresent = sessionPresent;
        this.log.info({ url: c.url, clientId: c.clientId, sessionPresent }, 'connected to MQTT broker');
        void this.subscribe();
      },
      onClose: () => {
        const was = this.connected;
        this.connected = false;
        if (was) this.log.warn({ url: c.url }, 'MQTT broker connection closed');
        this.scheduleReconnect();
      },
      onError: (err) => {
        const e = classifyClientError(err, c.url);
        this.lastError = { ...e, ts: this.clock.now() };
        this.warn.warn(e.code, this.clock.now(), { code: e.code, url: c.url }, e.message);
      },
    });
  }

  private onMessage(topic: string, payload: Buffer, ack: (err: Error | null) => void): void {
    // A refused payload is counted and acknowledged (so that the broker drops it), but in turn:
    // PUBACKs go out in the order the messages came.
    this.pending.push({ accepted: this.ingest.prepare(this.config.id, topic, payload), ack });
    if (this.pending.length >= MAX_GROUP) this.flush();
    else if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(() => this.flush());
    }
  }

  /**
   * Group commit: one persist (one SQLite transaction) for every message read since the last
   * turn of the event loop (mqtt.js parses a whole socket read before that), then their PUBACKs
   * in order. If persist throws, none is acknowledged and the connection is dropped: the broker
   * sends them again on the next connection of the session.
   */
  private flush(): void {
    this.flushScheduled = false;
    const batch = this.pending;
    this.pending = [];
    if (batch.length === 0) return;
    const accepted: Accepted[] = [];
    for (const b of batch) if (b.accepted) accepted.push(b.accepted);
    try {
      this.ingest.commit(this.config.id, accepted);
    } catch (err) {
      this.persistFailures++;
      this.lastError = { code: 'LG_MQTT_PERSIST', message: (err as Error).message, ts: this.clock.now() };
      this.log.error(
        { err, messages: batch.length },
        'persist failed: messages not acknowledged, reconnecting',
      );
      for (const b of batch) b.ack(err as Error);
      setImmediate(() => this.conn?.drop());
      return;
    }
    this.groups++;
    for (const b of batch) b.ack(null);
  }

  private async subscribe(): Promise<void> {
    const topics = this.ingest.topics(this.config.id);
    if (topics.length === 0 || !this.conn) return;
    try {
      const { granted } = await this.conn.subscribe(topics, this.config.qos);
      const refused = topics.filter((_t, i) => (granted[i] ?? 128) >= 128);
      if (refused.length > 0)
        this.log.error({ url: this.config.url, refused }, 'the broker refused subscriptions (check its ACL)');
    } catch (err) {
      this.log.warn({ err: (err as Error).message }, 'subscribe failed; retried on the next connection');
    }
  }

  private scheduleReconnect(): void {
    if (this.stopped || this.timer) return;
    const delay = backoffDelay(this.attempts++, this.config.reconnect);
    this.log.debug({ delay, attempt: this.attempts }, 'MQTT reconnect scheduled');
    this.timer = this.clock.setTimeout(() => {
      this.timer = null;
      if (!this.stopped) this.conn?.reconnect();
    }, delay);
  }

  stats(): ClientStats {
    return {
      id: this.config.id,
      url: this.config.url,
      connected: this.connected,
      connects: this.connects,
      reconnectAttempts: this.attempts,
      sessionPresent: this.sessionPresent,
      persistFailures: this.persistFailures,
      commits: this.groups,
      lastError: this.lastError,
    };
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.timer?.cancel();
    this.timer = null;
    await this.conn?.end();
    this.conn = null;
  }
}
