/**
 * Reads MQTT fixed headers off a byte stream to bound packet sizes before any parser buffers
 * them (aedes has no packet size limit). Pure and incremental: feed it chunks as they arrive.
 * MQTT v3.1.1 §2.2.3: the remaining length is a variable byte integer of at most 4 bytes.
 */
export type GuardVerdict = { readonly ok: true } | { readonly ok: false; readonly reason: string };

const OK: GuardVerdict = { ok: true };

export class PacketSizeGuard {
  /** 0: at a packet's first byte; 1: in its remaining length; 2: in its body. */
  private state: 0 | 1 | 2 = 0;
  private length = 0;
  private multiplier = 1;
  private lengthBytes = 0;
  private left = 0;

  constructor(private readonly maxPacketBytes: number) {}

  feed(chunk: Uint8Array): GuardVerdict {
    let i = 0;
    while (i < chunk.length) {
      if (this.state === 0) {
        this.state = 1;
        this.length = 0;
        this.multiplier = 1;
        this.lengthBytes = 0;
        i++;
      } else if (this.state === 1) {
        const b = chunk[i++] as number;
        this.length += (b & 0x7f) * this.multiplier;
        this.multiplier *= 128;
        this.lengthBytes++;
        if (b & 0x80) {
          if (this.lengthBytes === 4) return { ok: false, reason: 'remaining length longer than 4 bytes' };
          continue;
        }
        const total = 1 + this.lengthBytes + this.length;
        if (total > this.maxPacketBytes)
          return { ok: false, reason: `packet of ${total} bytes > maxPacketBytes ${this.maxPacketBytes}` };
        this.left = this.length;
        this.state = this.left === 0 ? 0 : 2;
      } else {
        const take = Math.min(this.left, chunk.length - i);
        this.left -= take;
        i += take;
        if (this.left === 0) this.state = 0;
      }
    }
    return OK;
  }
}
