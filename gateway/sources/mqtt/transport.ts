import { createServer as createHttpServer } from 'node:http';
import { createServer, type Server, type Socket } from 'node:net';
import { Duplex } from 'node:stream';
import { Aedes, type AedesOptions, type Client } from 'aedes';
import { PacketSizeGuard } from './packet-guard.js';

/**
 * The only file that touches aedes, ws and node:net (external-transport.ts: mqtt.js). Everything
 * above it sees small interfaces: a broker core with hooks and listeners that hand over guarded
 * connections.
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
  // ws loads only when a WebSocket listener is configured (resident memory, docs/footprint.md).
  const { createWebSocketStream, WebSocketServer } = await import('ws');
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
