import { readFileSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import { createServer, type Server, type Socket } from 'node:net';
import { Duplex } from 'node:stream';
import { Aedes, type AedesOptions, type Client } from 'aedes';
import mqtt, { type IClientOptions, type IPublishPacket, type MqttClient } from 'mqtt';
import { createWebSocketStream, WebSocketServer } from 'ws';
import { PacketSizeGuard } from './packet-guard.js';
import { PubackBatch } from './puback-batch.js';

/**
 * The only file that touches aedes, mqtt.js, ws and node:net. Everything above it sees small
 * interfaces: a broker core with hooks, listeners that hand over guarded connections, and an
 * external connection whose message hook decides when the acknowledgement is sent.
 */

// ---------------------------------------------------------------------------------------------
// Embedded broker (aedes). aedes never opens a socket: listeners below call `handle(conn)`.

/** A connected client as the hooks see it: an opaque key plus what the CONNECT said. */
export interface BrokerSession {
  readonly key: object;
  readonly clientId: string;
}

export interface BrokerHooks {
  /** CONNECT credentials. Resolve false to refuse with "bad user name or password" (code 4). */
  authenticate(
    s: BrokerSession,
    username: string | undefined,
    password: Buffer | undefined,
  ): Promise<boolean>;
  /**
   * Called for every PUBLISH before aedes acknowledges it: for QoS 1, aedes writes the PUBACK only
   * after `done(null)`; `done(err)` closes the connection without an acknowledgement.
   */
  authorizePublish(s: BrokerSession, topic: string, payload: Buffer, done: (err: Error | null) => void): void;
  /** False refuses the filter: SUBACK 0x80 for it, the connection stays. */
  authorizeSubscribe(s: BrokerSession, filter: string): boolean;
  /**
   * Bytes arrived from a connected client: `unreadBytes` are buffered and not parsed yet (aedes
   * parses nothing more from a client while any of its messages awaits `done`). Must be cheap.
   */
  input(s: BrokerSession, unreadBytes: number): void;
  clientGone(s: BrokerSession): void;
  clientError(s: BrokerSession | null, err: Error): void;
}

export interface BrokerCoreLimits {
  readonly connectTimeoutMs: number;
  readonly maxClientIdLength: number;
  readonly queueLimit: number;
  readonly concurrency: number;
}

export interface BrokerCore {
  handle(conn: Duplex): void;
  connectedClients(): number;
  close(): Promise<void>;
}

const REFUSED = 4; // CONNACK: bad user name or password (MQTT v3.1.1 §3.2.2.3)

export async function createBrokerCore(hooks: BrokerHooks, limits: BrokerCoreLimits): Promise<BrokerCore> {
  const sessions = new WeakMap<Client, BrokerSession>();
  const session = (c: Client): BrokerSession => {
    let s = sessions.get(c);
    if (!s) {
      s = { key: c, clientId: c.id ?? '' };
      sessions.set(c, s);
    }
    return s;
  };
  const opts: AedesOptions = {
    connectTimeout: limits.connectTimeoutMs,
    maxClientsIdLength: limits.maxClientIdLength,
    queueLimit: limits.queueLimit,
    concurrency: limits.concurrency,
    heartbeatInterval: 60_000,
    // MQTT 3.1.1 allows 65535-byte client ids; aedes checks only 3.1. Checked here for every version.
    preConnect: (_client, packet, cb) =>
      (packet.clientId ?? '').length <= limits.maxClientIdLength
        ? cb(null, true)
        : cb(new Error(`client id longer than ${limits.maxClientIdLength}`), false),
    authenticate: (client, username, password, done) => {
      hooks.authenticate(session(client), username, password).then(
        (ok) =>
          done(
            ok ? null : Object.assign(new Error('bad user name or password'), { returnCode: REFUSED }),
            ok,
          ),
        () => done(Object.assign(new Error('authentication failed'), { returnCode: REFUSED }), false),
      );
    },
    authorizePublish: (client, packet, cb) => {
      // client === null: aedes publishing the will of a client that is gone; the will's topic
      // passed this hook when it was stored, and nothing from it is stored again.
      if (client === null) return cb(new Error('stale will refused'));
      hooks.authorizePublish(session(client), packet.topic, packet.payload as Buffer, (err) => cb(err));
    },
    authorizeSubscribe: (client, sub, cb) =>
      cb(null, hooks.authorizeSubscribe(session(client), sub.topic) ? sub : null),
  };
  const broker = await Aedes.createBroker(opts);
  broker.on('clientDisconnect', (c) => hooks.clientGone(session(c)));
  broker.on('clientError', (c, err) => hooks.clientError(session(c), err));
  broker.on('connectionError', (_c, err) => hooks.clientError(null, err));
  return {
    handle: (conn) => {
      broker.handle(conn);
      if (conn instanceof GuardedConnection)
        conn.onInput = (unread) => {
          // aedes sets conn.client in its Client constructor; before CONNACK nothing is held.
          const client = (conn as unknown as { client?: Client }).client;
          if (client?.connected) hooks.input(session(client), unread);
        };
    },
    connectedClients: () => broker.connectedClients,
    close: () => new Promise<void>((resolve) => broker.close(() => resolve())),
  };
}

// ---------------------------------------------------------------------------------------------
// Listeners. Every connection goes through a PacketSizeGuard before the broker sees a byte.

/**
 * A socket seen through a PacketSizeGuard: bytes pass unchanged until a packet announces more
 * than maxPacketBytes (or a malformed length), then the socket is destroyed before the parser
 * buffers anything.
 */
class GuardedConnection extends Duplex {
  /** Called after each chunk is passed on, with the bytes buffered and not read yet. */
  onInput: ((unreadBytes: number) => void) | null = null;

  constructor(
    private readonly inner: Duplex,
    maxPacketBytes: number,
    onRefused: (reason: string) => void,
  ) {
    super({ allowHalfOpen: false });
    const guard = new PacketSizeGuard(maxPacketBytes);
    inner.on('data', (chunk: Buffer) => {
      const v = guard.feed(chunk);
      if (!v.ok) {
        onRefused(v.reason);
        this.destroy(new Error(v.reason));
        return;
      }
      if (!this.push(chunk)) inner.pause();
      this.onInput?.(this.readableLength);
    });
    inner.on('end', () => this.push(null));
    inner.on('error', (err) => this.destroy(err));
    inner.on('close', () => this.destroy());
  }

  override _read(): void {
    this.inner.resume();
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    if (this.inner.destroyed) cb(new Error('connection closed'));
    else this.inner.write(chunk, cb);
  }

  /**
   * Everything written while the connection was corked (mqtt-packet corks it until the next tick,
   * so a group's PUBACKs gather here) goes to the socket as ONE buffer: one write syscall instead
   * of one per packet, and one buffered write request in the socket instead of one per 4-byte
   * PUBACK (those were ~5 % of the gateway's allocations under bench:mqtt).
   */
  override _writev(chunks: { chunk: Buffer }[], cb: (err?: Error | null) => void): void {
    const inner = this.inner;
    if (inner.destroyed) {
      cb(new Error('connection closed'));
      return;
    }
    let bytes = 0;
    for (const c of chunks) bytes += c.chunk.byteLength;
    const joined = Buffer.allocUnsafe(bytes);
    let at = 0;
    for (const c of chunks) at += c.chunk.copy(joined, at);
    inner.write(joined, cb);
  }

  override _final(cb: (err?: Error | null) => void): void {
    this.inner.end(cb);
  }

  override _destroy(err: Error | null, cb: (err?: Error | null) => void): void {
    this.inner.destroy();
    cb(err);
  }
}

export interface ListenOptions {
  readonly host: string;
  readonly port: number;
  readonly maxConnections: number;
  readonly maxPacketBytes: number;
  readonly onConnection: (conn: Duplex) => void;
  /** A connection closed by the guard (packet too large, malformed length). */
  readonly onRefused: (reason: string) => void;
  /** A connection refused because maxConnections were open. */
  readonly onOverLimit: () => void;
}

export interface Listener {
  readonly port: number;
  close(): Promise<void>;
}

function listenOn(server: Server, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host, port, exclusive: true }, () => {
      server.off('error', reject);
      resolve((server.address() as { port: number }).port);
    });
  });
}

function closeServer(server: Server, open: Set<{ destroy(): void }>): Promise<void> {
  return new Promise((resolve) => {
    for (const s of open) s.destroy();
    server.close(() => resolve());
  });
}

export async function listenTcp(o: ListenOptions): Promise<Listener> {
  const open = new Set<Socket>();
  const server = createServer({ noDelay: true }, (socket) => {
    open.add(socket);
    socket.on('close', () => open.delete(socket));
    socket.on('error', () => undefined);
    o.onConnection(new GuardedConnection(socket, o.maxPacketBytes, o.onRefused));
  });
  // net.Server closes connections past maxConnections as soon as they are accepted.
  server.maxConnections = o.maxConnections;
  server.on('drop', () => o.onOverLimit());
  const port = await listenOn(server, o.host, o.port);
  return { port, close: () => closeServer(server, open) };
}

/** MQTT over WebSocket (subprotocol "mqtt"), for browser clients; the same guard and limit. */
export async function listenWebSocket(o: ListenOptions): Promise<Listener> {
  const open = new Set<{ destroy(): void }>();
  const http = createHttpServer((_req, res) => res.writeHead(426).end());
  const wss = new WebSocketServer({ server: http, maxPayload: o.maxPacketBytes + 8 });
  wss.on('connection', (ws) => {
    if (open.size >= o.maxConnections) {
      o.onOverLimit();
      ws.terminate();
      return;
    }
    const stream = createWebSocketStream(ws);
    open.add(stream);
    stream.on('close', () => open.delete(stream));
    stream.on('error', () => undefined);
    o.onConnection(new GuardedConnection(stream, o.maxPacketBytes, o.onRefused));
  });
  const port = await listenOn(http as unknown as Server, o.host, o.port);
  return {
    port,
    close: async () => {
      for (const c of wss.clients) c.terminate();
      wss.close();
      await closeServer(http as unknown as Server, open);
    },
  };
}

// ---------------------------------------------------------------------------------------------
// External broker (mqtt.js).

export interface ExternalOptions {
  readonly url: string;
  readonly clientId: string;
  readonly username: string | null;
  readonly password: string | null;
  readonly clean: boolean;
  readonly protocolVersion: 4 | 5;
  readonly sessionExpirySeconds: number;
  readonly keepaliveSeconds: number;
  readonly connectTimeoutMs: number;
  readonly tls: {
    ca: string | null;
    cert: string | null;
    key: string | null;
    servername: string | null;
  } | null;
}

export interface ExternalHandlers {
  /**
   * Every PUBLISH, in the order received. For QoS 1 the PUBACK is sent when the handler calls
   * `ack(null)`, and only if the connection it came on is still open (otherwise the broker sends
   * the message again on the next connection of the session); `ack(err)` sends none. The handler
   * may call `ack` later (group commit): mqtt.js goes on reading meanwhile. Call `ack` exactly
   * once per message and in the order received (MQTT 3.1.1 §4.6: PUBACKs in PUBLISH order).
   * For QoS 0, `ack` does nothing. Must not throw.
   */
  onMessage(topic: string, payload: Buffer, qos: number, ack: (err: Error | null) => void): void;
  onConnect(sessionPresent: boolean): void;
  onClose(): void;
  onError(err: Error): void;
}

export interface ExternalConnection {
  subscribe(topics: readonly string[], qos: 0 | 1): Promise<{ granted: readonly number[] }>;
  /** Opens the connection again after a close (the caller owns the backoff). */
  reconnect(): void;
  /** Drops the connection now, without DISCONNECT (the session stays at the broker). */
  drop(): void;
  end(): Promise<void>;
}

function readPem(file: string | null, what: string): Buffer | undefined {
  if (file === null) return undefined;
  try {
    return readFileSync(file);
  } catch (err) {
    throw new Error(
      `cannot read tls.${what} ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
    );
  }
}

/**
 * Connects with mqtt.js, its own reconnect switched off (reconnectPeriod 0: the client source
 * owns the capped backoff). mqtts:// always verifies the broker (rejectUnauthorized); there is
 * no setting that turns it off and no fallback to plain text.
 *
 * The acknowledgement hook: mqtt.js calls `handleMessage(packet, cb)` for every PUBLISH (MQTT
 * 3.1.1 and 5) and, for QoS 1, sends the PUBACK after `cb()`; `cb(err)` sends none and lets
 * mqtt.js go on to the next packet. Each QoS 1 message is therefore taken over at once with
 * `cb(DEFERRED)` and its PUBACK written here when the handler acks it, on the connection it came
 * from (mqtt.js would store a packet sent while disconnected and send it on the next connection,
 * where the message id means something else: that is never done). The PUBACKs acked in one turn
 * of the event loop (a group commit) are encoded by mqtt-packet and leave as one write
 * (PubackBatch), not three corked socket writes each through mqtt.js.
 */
const DEFERRED = new Error('PUBACK deferred to the handler');

export function connectExternal(o: ExternalOptions, h: ExternalHandlers): ExternalConnection {
  const tls = o.tls;
  const opts: IClientOptions = {
    clientId: o.clientId,
    clean: o.clean,
    protocolVersion: o.protocolVersion,
    keepalive: o.keepaliveSeconds,
    connectTimeout: o.connectTimeoutMs,
    reconnectPeriod: 0,
    resubscribe: true,
    // mqtt.js traces every packet through `debug` (about ten calls per message) unless given a log.
    log: () => undefined,
    ...(o.username !== null ? { username: o.username } : {}),
    ...(o.password !== null ? { password: o.password } : {}),
    ...(o.protocolVersion === 5 && !o.clean
      ? { properties: { sessionExpiryInterval: o.sessionExpirySeconds } }
      : {}),
    ...(o.url.startsWith('mqtts://')
      ? {
          rejectUnauthorized: true,
          ca: readPem(tls?.ca ?? null, 'ca'),
          cert: readPem(tls?.cert ?? null, 'cert'),
          key: readPem(tls?.key ?? null, 'key'),
          ...(tls?.servername ? { servername: tls.servername } : {}),
        }
      : {}),
  };
  const client: MqttClient = mqtt.connect(o.url, opts);
  const acks = new PubackBatch(o.protocolVersion, (stream) => client.stream === stream && client.connected);
  client.handleMessage = (packet: IPublishPacket, cb) => {
    const payload = packet.payload as Buffer;
    if (packet.qos !== 1 || packet.messageId === undefined) {
      h.onMessage(packet.topic, payload, packet.qos, () => undefined);
      cb();
      return;
    }
    const stream = client.stream;
    const messageId = packet.messageId;
    cb(DEFERRED);
    h.onMessage(packet.topic, payload, 1, (err) => {
      if (err || client.stream !== stream || !client.connected) return;
      acks.add(stream, messageId);
    });
  };
  client.on('connect', (connack) => h.onConnect(connack.sessionPresent));
  client.on('close', () => h.onClose());
  client.on('error', (err) => h.onError(err));
  return {
    subscribe: (topics, qos) =>
      new Promise((resolve, reject) => {
        client.subscribe([...topics], { qos }, (err, granted) =>
          err ? reject(err) : resolve({ granted: (granted ?? []).map((g) => g.qos) }),
        );
      }),
    reconnect: () => {
      client.reconnect();
    },
    drop: () => {
      client.end(true);
    },
    end: () =>
      new Promise<void>((resolve) => {
        const t = setTimeout(resolve, 2000);
        client.end(false, {}, () => {
          clearTimeout(t);
          resolve();
        });
      }),
  };
}
