import type { Logger } from 'pino';
import type { BrokerConfig } from '../../../config/types.js';
import { LinegateError } from '../../core/errors.js';
import { type UserAcl, userAcl } from './acl.js';
import { commitNow } from './commit-policy.js';
import type { Accepted, Ingest } from './ingest.js';
import { VerifiedCache, verifyPassword } from './password.js';
import {
  type BrokerCore,
  type BrokerSession,
  createBrokerCore,
  type Listener,
  listenTcp,
  listenWebSocket,
} from './transport.js';

/** A PUBLISH held until the commit of its group: the ACL passed, the payload is read at the commit. */
interface Held {
  readonly topic: string;
  readonly payload: Buffer;
  readonly receivedAt: number;
  readonly done: (err: Error | null) => void;
}

/** The source id MQTT machines use for the embedded broker. */
export const BROKER_SOURCE = 'broker';

export interface BrokerStats {
  readonly listening: { readonly tcp: number | null; readonly websocket: number | null };
  readonly clients: number;
  readonly authRefused: number;
  readonly publishRefused: number;
  readonly subscribeRefused: number;
  readonly oversizePackets: number;
  readonly overConnectionLimit: number;
  readonly persistFailures: number;
  /** Group commits: stored messages / commits = messages per SQLite transaction. */
  readonly commits: number;
}

/**
 * The embedded broker: devices connect to the Pi with their own username and password.
 *  - Authentication: scrypt hashes from the config; an unknown user is checked against a dummy
 *    hash so that it takes as long as a wrong password, and both get the same CONNACK (code 4).
 *  - ACL (acl.ts): publish only to granted topics, subscribe only inside granted filters,
 *    `#` and `$…` refused. A refused PUBLISH closes the connection (MQTT 3.1.1 has no negative
 *    PUBACK); a refused SUBSCRIBE gets 0x80 for that filter.
 *  - Durability: device telemetry is held in aedes' authorizePublish hook, which runs before
 *    aedes writes the PUBACK (the ACL is checked there, at once). Messages arriving within
 *    `limits.commitWindowMs` (default 200 ms; 0 = one socket read, on the next turn of the
 *    event loop) are committed together (Ingest.commit → persist): one SQLite commit instead of
 *    one per message, the main lever on SD writes with many devices (docs/footprint.md). The
 *    window ends early when waiting cannot grow the group and would only throttle devices
 *    (commit-policy.ts: aedes reads nothing more from a client until its messages are
 *    released). At the commit the group's payloads are checked and decoded one after the other
 *    (Ingest.prepare, with each message's arrival time), then stored: at a few messages a second
 *    each wake-up costs far more than the work, and parsing the group in one go keeps that code
 *    warm (docs/mqtt.md, "CPU per message at low rates"). Only then are their hooks released, so
 *    every PUBACK follows the commit of its samples; a refused payload is acknowledged (and
 *    dropped) with its group, in arrival order; the PUBACKs of a group leave in one writev per
 *    connection (transport.ts). A persist failure releases them with an error: aedes closes
 *    those connections without a PUBACK, and the devices send again.
 *  - Limits: packet size (guard in transport.ts), connections, connect timeout, client id
 *    length, pre-CONNECT queue and in-broker concurrency, all from the config.
 */
export class EmbeddedBroker {
  private core: BrokerCore | null = null;
  private readonly listeners: Listener[] = [];
  private readonly users: Map<string, { hash: string; acl: UserAcl }>;
  private readonly sessions = new WeakMap<object, UserAcl>();
  private readonly verified = new VerifiedCache();
  /** The group being gathered: held messages (ACL passed, payload not read yet), in arrival order. */
  private pending: Held[] = [];
  private commits = 0;
  private pendingBytes = 0;
  /** Clients with a message in `pending`: aedes reads nothing more from them until the commit. */
  private readonly waiting = new Set<object>();
  private windowTimer: NodeJS.Timeout | null = null;
  private soon: NodeJS.Immediate | null = null;
  private counts = {
    authRefused: 0,
    publishRefused: 0,
    subscribeRefused: 0,
    oversizePackets: 0,
    overConnectionLimit: 0,
    persistFailures: 0,
  };
  private ports = { tcp: null as number | null, websocket: null as number | null };

  constructor(
    private readonly config: BrokerConfig,
    private readonly ingest: Ingest,
    private readonly log: Logger,
  ) {
    this.users = new Map(config.users.map((u) => [u.username, { hash: u.passwordHash, acl: userAcl(u) }]));
  }

  async start(): Promise<void> {
    const c = this.config;
    this.core = await createBrokerCore(
      {
        authenticate: (s, username, password) => this.authenticate(s, username, password),
        authorizePublish: (s, topic, payload, done) => this.authorizePublish(s, topic, payload, done),
        authorizeSubscribe: (s, filter) => this.authorizeSubscribe(s, filter),
        input: (s, unread) => {
          if (this.soon === null && this.waiting.has(s.key)) this.scheduleFlush(unread);
        },
        clientGone: (s) => this.log.debug({ clientId: s.clientId }, 'mqtt client gone'),
        clientError: (s, err) =>
          this.log.debug({ clientId: s?.clientId, err: err.message }, 'mqtt client error'),
      },
      c.limits,
    );
    const core = this.core;
    const common = {
      host: c.host,
      maxConnections: c.limits.maxConnections,
      maxPacketBytes: c.limits.maxPacketBytes,
      onConnection: (conn: Parameters<BrokerCore['handle']>[0]) => core.handle(conn),
      onRefused: (reason: string) => {
        this.counts.oversizePackets++;
        this.log.debug({ reason }, 'mqtt connection closed by the packet guard');
      },
      onOverLimit: () => {
        this.counts.overConnectionLimit++;
      },
    };
    try {
      const tcp = await listenTcp({ ...common, port: c.port });
      this.listeners.push(tcp);
      this.ports.tcp = tcp.port;
      if (c.websocketPort !== null) {
        const ws = await listenWebSocket({ ...common, port: c.websocketPort });
        this.listeners.push(ws);
        this.ports.websocket = ws.port;
      }
    } catch (err) {
      await this.stop();
      throw new LinegateError(
        'LG_MQTT_LISTEN',
        `embedded MQTT broker cannot listen on ${c.host}:${c.port}: ${(err as Error).message}`,
        { host: c.host, port: c.port },
      );
    }
    this.log.info(
      { host: c.host, port: this.ports.tcp, websocketPort: this.ports.websocket, users: this.users.size },
      'embedded MQTT broker listening',
    );
  }

  private async authenticate(
    s: BrokerSession,
    username: string | undefined,
    password: Buffer | undefined,
  ): Promise<boolean> {
    const user = username === undefined ? undefined : this.users.get(username);
    const pw = password ?? Buffer.alloc(0);
    let ok: boolean;
    // No user name: refused at once (nothing to learn from the timing). A user name, known or
    // not, always goes through scrypt unless this password already passed for this user.
    if (username === undefined || username === '') ok = false;
    else if (user && password !== undefined && this.verified.has(username, pw)) ok = true;
    else {
      // Unknown users and missing passwords run scrypt too (against a dummy): same time, same answer.
      ok = await verifyPassword(pw, user?.hash ?? null);
      ok = ok && user !== undefined && password !== undefined;
      if (ok) this.verified.remember(username, pw);
    }
    if (!ok || !user || username === undefined) {
      this.counts.authRefused++;
      this.log.warn(
        { clientId: s.clientId.slice(0, 64), username: username?.slice(0, 64) ?? null },
        'mqtt login refused',
      );
      return false;
    }
    this.sessions.set(s.key, user.acl);
    this.log.info({ clientId: s.clientId, username }, 'mqtt device connected');
    return true;
  }

  private authorizeSubscribe(s: BrokerSession, filter: string): boolean {
    const acl = this.sessions.get(s.key);
    if (acl?.canSubscribe(filter)) return true;
    this.counts.subscribeRefused++;
    this.log.warn(
      { clientId: s.clientId, username: acl?.username, filter: filter.slice(0, 200) },
      'mqtt subscribe refused',
    );
    return false;
  }

  private authorizePublish(
    s: BrokerSession,
    topic: string,
    payload: Buffer,
    done: (err: Error | null) => void,
  ): void {
    const acl = this.sessions.get(s.key);
    if (!acl?.canPublish(topic)) {
      this.counts.publishRefused++;
      this.log.warn(
        { clientId: s.clientId, username: acl?.username, topic: topic.slice(0, 200) },
        'mqtt publish refused (ACL)',
      );
      done(
        new LinegateError('LG_MQTT_ACL', `${acl?.username ?? '?'} may not publish to ${topic.slice(0, 200)}`),
      );
      return;
    }
    this.pending.push({ topic, payload, receivedAt: this.ingest.now(), done });
    this.pendingBytes += payload.byteLength;
    this.waiting.add(s.key);
    this.scheduleFlush();
  }

  /** Commit on the next turn when waiting cannot grow the group (commit-policy.ts), else at the end of the window. */
  private scheduleFlush(unreadBytes = 0): void {
    if (this.soon) return;
    const window = this.config.limits.commitWindowMs;
    const now = commitNow({
      windowMs: window,
      messages: this.pending.length,
      bytes: this.pendingBytes,
      unreadBytes,
      heldClients: this.waiting.size,
      connectedClients: this.core?.connectedClients() ?? 0,
    });
    if (now) this.soon = setImmediate(() => this.flush());
    else this.windowTimer ??= setTimeout(() => this.flush(), window);
  }

  /** Group commit: one persist for every message of the group (see scheduleFlush). */
  private flush(): void {
    if (this.windowTimer) clearTimeout(this.windowTimer);
    if (this.soon) clearImmediate(this.soon);
    this.windowTimer = null;
    this.soon = null;
    this.waiting.clear();
    this.pendingBytes = 0;
    const held = this.pending;
    this.pending = [];
    if (held.length === 0) return;
    // Payload hygiene and decoding for the whole group, in arrival order. A refused payload
    // (counted by prepare) is acknowledged and dropped: a resend would be refused again.
    const batch: Accepted[] = [];
    const accepted: boolean[] = new Array(held.length);
    for (let i = 0; i < held.length; i++) {
      const h = held[i] as Held;
      const a = this.ingest.prepare(BROKER_SOURCE, h.topic, h.payload, h.receivedAt);
      accepted[i] = a !== null;
      if (a !== null) batch.push(a);
    }
    let error: Error | null = null;
    if (batch.length > 0)
      try {
        this.ingest.commit(BROKER_SOURCE, batch);
        this.commits++;
      } catch (err) {
        this.counts.persistFailures++;
        error = new LinegateError(
          'LG_MQTT_PERSIST',
          `samples not stored: ${(err as Error).message}`,
          {},
          { cause: err },
        );
        this.log.error({ err, messages: batch.length }, 'persist failed: messages not acknowledged');
      }
    for (let i = 0; i < held.length; i++) (held[i] as Held).done(accepted[i] ? error : null);
  }

  stats(): BrokerStats {
    return {
      listening: { ...this.ports },
      clients: this.core?.connectedClients() ?? 0,
      commits: this.commits,
      ...this.counts,
    };
  }

  async stop(): Promise<void> {
    await Promise.all(this.listeners.splice(0).map((l) => l.close()));
    this.flush();
    await this.core?.close();
    this.core = null;
  }
}
