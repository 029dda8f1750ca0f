import { createRequire } from 'node:module';

/**
 * mqtt-packet (the MQTT codec under aedes and mqtt.js) traces every parsed and written packet
 * through `debug` (about twelve calls per PUBLISH + PUBACK), and each call allocates its
 * arguments even when tracing is off: under `bench:mqtt` that was 9 % of everything the gateway
 * process allocated (a sampling allocation profile, docs/mqtt.md) and ~1.5 % of its CPU. When
 * `DEBUG` does not enable `mqtt-packet:*` at start, the codec is loaded with no-op tracers
 * instead; with `DEBUG=mqtt-packet:*` it traces as before. Nothing else changes: the codec's
 * code is the library's own, and every other library gets the real `debug`.
 *
 * Calling rules: before mqtt-packet is first loaded (disablePacketNumberCache calls it, and every
 * lazy MQTT loader calls that first); once the codec is loaded, calling again does nothing.
 * Returns how many copies of the codec were loaded quiet (0 when already loaded or traced).
 */
const CODEC_NAMESPACES = ['mqtt-packet:parser', 'mqtt-packet:writeToStream'];

type CreateDebug = ((namespace: string) => unknown) & { enabled(namespace: string): boolean };

function noop(): void {}

export function quietCodecDebug(): number {
  let quiet = 0;
  for (const dependent of ['aedes', 'mqtt']) {
    let fromCodec: NodeJS.Require;
    let debugPath: string;
    let codecPath: string;
    try {
      codecPath = createRequire(import.meta.resolve(dependent)).resolve('mqtt-packet');
      fromCodec = createRequire(codecPath);
      debugPath = fromCodec.resolve('debug');
    } catch {
      continue; // not installed, or the codec no longer uses debug
    }
    if (fromCodec.cache[codecPath]) continue; // already loaded: its tracers are bound
    const createDebug = fromCodec('debug') as CreateDebug;
    if (CODEC_NAMESPACES.some((ns) => createDebug.enabled(ns))) continue;
    const entry = fromCodec.cache[debugPath];
    if (!entry) continue;
    const quietFactory = Object.assign(
      (namespace: string) => (namespace.startsWith('mqtt-packet:') ? noop : createDebug(namespace)),
      createDebug,
    );
    entry.exports = quietFactory;
    try {
      fromCodec(codecPath);
      quiet++;
    } finally {
      entry.exports = createDebug;
    }
  }
  return quiet;
}
