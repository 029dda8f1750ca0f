/**
 * The only file that touches mqtt.js: an external connection whose message hook decides when
 * the acknowledgement is sent. Loaded only when the config has external brokers (index.ts).
 */
import { readFileSync } from 'node:fs';
import mqtt, { type IClientOptions, type IPublishPacket, type MqttClient } from 'mqtt';
import { PubackBatch } from './puback-batch.js';

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
