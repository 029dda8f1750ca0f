/** The InfluxDB sink's parts, as main.ts wires them (see README.md). */
export {
  createLineEncoder,
  encodeEvent,
  encodeRow,
  encodeSample,
  type LineEncoderDeps,
  type SeriesTags,
  TELEMETRY_MEASUREMENT,
  VALUE_FIELDS,
} from './line-protocol.js';
export { createV1Writer, type V1WriterOptions } from './v1-writer.js';
export { createV2Writer, type V2WriterOptions } from './v2-writer.js';
