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
export { createSparkplugEncoder, encodeSparkplugRow } from './encode-sparkplug.js';
export { groupUplinkLines, type UplinkMessage } from './group.js';
export { groupSparkplugLines } from './group-sparkplug.js';
export { decodeSparkplug, SparkplugSession, sparkplugSessionFor } from './sparkplug.js';
export { classifyUplinkError, UplinkWriter, type UplinkWriterOptions } from './writer.js';
