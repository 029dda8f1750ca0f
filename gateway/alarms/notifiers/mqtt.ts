import type { MqttClient } from 'mqtt';
import { disablePacketNumberCache } from '../../runtime/mqtt-packet-numbers.js';
import type { OutgoingMessage } from '../notify/queue-store.js';
import { type Notifier, SEND_TIMEOUT_MS } from './types.js';

export interface MqttNotifyOptions {
  readonly id: string;
  readonly url: string;
  /** May use {site} {line} {machine}. */
  readonly topic: string;
  readonly site: string;
  readonly username?: string;
  readonly password?: string;
  readonly timeoutMs?: number;
}

/**
 * Publishes the message as JSON with QoS 1; accepted = PUBACK. Connects on first use (and loads
 * mqtt.js then: a site without MQTT alerts never loads it for this).
 */
export class MqttNotifier implements Notifier {
  readonly id: string;
  private client: MqttClient | null = null;

  constructor(private readonly o: MqttNotifyOptions) {
    this.id = o.id;
  }

  async send(msg: OutgoingMessage): Promise<void> {
    const t = this.o.timeoutMs ?? SEND_TIMEOUT_MS;
    if (!this.client?.connected) {
      await this.client?.endAsync(true).catch(() => undefined);
      this.client = null;
      disablePacketNumberCache();
      const { connectAsync } = await import('mqtt');
      this.client = await connectAsync(this.o.url, {
        connectTimeout: t,
        reconnectPeriod: 0,
        ...(this.o.username ? { username: this.o.username, password: this.o.password ?? '' } : {}),
      });
    }
    const d = msg.data as { line?: string; machine?: string };
    const topic = this.o.topic
      .replaceAll('{site}', this.o.site)
      .replaceAll('{line}', d.line ?? '_')
      .replaceAll('{machine}', d.machine ?? '_');
    const payload = JSON.stringify({
      kind: msg.kind,
      severity: msg.severity,
      text: msg.text,
      data: msg.data,
    });
    const client = this.client;
    await Promise.race([
      client.publishAsync(topic, payload, { qos: 1 }),
      new Promise((_, reject) => setTimeout(() => reject(new Error('mqtt: publish timed out')), t).unref()),
    ]);
  }

  async close(): Promise<void> {
    await this.client?.endAsync(true).catch(() => undefined);
    this.client = null;
  }
}
