import type { LinegateConfig } from '../../config/types.js';
import { isMqttMachineConfig } from '../../config/types.js';
import type { startMqtt } from '../sources/mqtt/index.js';
import { disablePacketNumberCache } from './mqtt-packet-numbers.js';

/** Whether a config needs the MQTT part (embedded broker, external clients, MQTT machines). */
export function usesMqtt(c: LinegateConfig): boolean {
  return Boolean(c.mqtt?.broker || c.mqtt?.clients.length || c.machines.some(isMqttMachineConfig));
}

/**
 * The MQTT part, loaded when a config first needs it: aedes, mqtt.js and their codec stay out of
 * a gateway that has no MQTT (resident memory, docs/footprint.md). Sets mqtt-packet's number
 * cache off before anything can encode a packet.
 */
export async function loadMqtt(): Promise<typeof startMqtt> {
  disablePacketNumberCache();
  return (await import('../sources/mqtt/index.js')).startMqtt;
}
