import { createRequire } from 'node:module';
import { quietCodecDebug } from './mqtt-packet-debug.js';

/**
 * mqtt-packet (the MQTT codec under aedes and mqtt.js) builds, on its first encoded packet, a
 * cache of 65 536 two-byte Buffers, one per packet id / length value: ~7 MB of V8 heap kept for
 * the life of the process (seen in a heap snapshot under the footprint load, docs/footprint.md),
 * to save allocating 2 bytes per packet. `writeToStream.cacheNumbers = false` is its documented
 * switch for allocating them per packet instead; at a Pi's message rates that costs nothing
 * measurable.
 *
 * Calling rules: call before the first MQTT packet is encoded (the lazy loaders of the broker,
 * the MQTT client, the uplink sink and the MQTT notifier do); calling again is harmless. It sets
 * the switch on each copy of mqtt-packet that aedes and mqtt.js resolve (one, when hoisted).
 */
export function disablePacketNumberCache(): void {
  quietCodecDebug(); // before the codec loads (mqtt-packet-debug.ts)
  for (const dependent of ['aedes', 'mqtt']) {
    let codec: { writeToStream?: { cacheNumbers: boolean } };
    try {
      codec = createRequire(import.meta.resolve(dependent))('mqtt-packet') as typeof codec;
    } catch {
      continue; // that dependent is not installed: nothing of it can encode packets
    }
    if (codec.writeToStream) codec.writeToStream.cacheNumbers = false;
  }
}
