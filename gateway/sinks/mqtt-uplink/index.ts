/** The MQTT uplink sink's parts, as the sink registry wires them (see docs/mqtt-uplink.md). */
export {
  createUplinkEncoder,
  encodeUplinkRow,
  gatewayTopic,
  MACHINE_TOPICS,
  topicLevel,
  UNKNOWN_LINE,
  type UplinkEncoderDeps,
} from './encode.js';
export { groupUplinkLines, type UplinkMessage } from './group.js';
export { classifyUplinkError, UplinkWriter, type UplinkWriterOptions } from './writer.js';
