import type { Writable } from 'node:stream';
import { generate } from 'mqtt-packet';

/**
 * PUBACKs gathered until the end of the current tick, then written to their connection in one
 * `write`, in the order added (MQTT 3.1.1 §4.6). Only if that connection is still the client's
 * and connected when they leave (`isCurrent`); otherwise they are dropped and the broker sends
 * the messages again on the next connection of the session. A PUBACK for another connection
 * first sends (or drops) what was gathered for the previous one.
 */
export class PubackBatch {
  private packets: Buffer[] = [];
  private stream: Writable | null = null;
  private scheduled = false;

  constructor(
    private readonly protocolVersion: 4 | 5,
    private readonly isCurrent: (stream: Writable) => boolean,
  ) {}

  add(stream: Writable, messageId: number): void {
    if (this.stream !== stream) this.write();
    this.stream = stream;
    this.packets.push(
      generate(
        this.protocolVersion === 5
          ? { cmd: 'puback', messageId, reasonCode: 0 }
          : { cmd: 'puback', messageId },
        { protocolVersion: this.protocolVersion },
      ),
    );
    if (!this.scheduled) {
      this.scheduled = true;
      process.nextTick(() => {
        this.scheduled = false;
        this.write();
      });
    }
  }

  private write(): void {
    const stream = this.stream;
    const packets = this.packets;
    this.stream = null;
    this.packets = [];
    if (stream === null || packets.length === 0) return;
    if (stream.destroyed || !stream.writable || !this.isCurrent(stream)) return;
    stream.write(packets.length === 1 ? (packets[0] as Buffer) : Buffer.concat(packets));
  }
}
