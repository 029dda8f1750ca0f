/**
 * Invalid answers for the `garbage` fault. Both keep just enough of the frame for the client to
 * take the bytes as the answer to its request (so it fails at once instead of waiting):
 *
 * - Modbus TCP: the MBAP transaction id and length stay; the protocol id becomes 0xFFFF (it must
 *   be 0, Modbus Messaging on TCP/IP v1.0b §3.1.3), and everything after the unit id is replaced
 *   by noise whose first byte (the function code) is 0x00, which no Modbus function uses.
 * - Modbus RTU: the slave address stays; the rest is noise and the CRC is wrong on purpose.
 *
 * The noise comes from a counter-driven generator, so a test sees the same bytes every run.
 */
let counter = 0x5eed;

function noise(length: number): Buffer {
  const out = Buffer.alloc(length);
  for (let i = 0; i < length; i++) {
    counter = (Math.imul(counter, 1103515245) + 12345) >>> 0;
    out[i] = (counter >>> 16) & 0xff;
  }
  return out;
}

/** Garble one Modbus TCP answer (MBAP header + PDU). */
export function garbleTcpFrame(frame: Buffer): Buffer {
  const out = Buffer.from(frame);
  if (out.length < 8) return noise(out.length);
  out.writeUInt16BE(0xffff, 2);
  noise(out.length - 7).copy(out, 7);
  out[7] = 0x00;
  return out;
}

/** Garble one Modbus RTU answer (address, PDU, CRC). */
export function garbleRtuFrame(frame: Buffer): Buffer {
  const out = Buffer.from(frame);
  if (out.length < 4) return noise(Math.max(4, out.length));
  noise(out.length - 1).copy(out, 1);
  out[1] = 0x00;
  out.writeUInt16LE(crc16(out.subarray(0, out.length - 2)) ^ 0xffff, out.length - 2);
  return out;
}

/** Modbus RTU CRC-16 (polynomial 0xA001 reflected, initial 0xFFFF; Modbus serial line v1.02 §6.2.2). */
export function crc16(bytes: Uint8Array): number {
  let crc = 0xffff;
  for (const b of bytes) {
    crc ^= b;
    for (let i = 0; i < 8; i++) crc = crc & 1 ? (crc >>> 1) ^ 0xa001 : crc >>> 1;
  }
  return crc;
}
