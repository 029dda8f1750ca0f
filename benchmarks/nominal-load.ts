/**
 * The machines of the nominal Pi load, as config YAML, shared by bench:footprint,
 * bench:modbus-cpu and bench:mqtt-cpu so that they measure the same thing: Modbus TCP devices of
 * 50 points each (20 holding uint16, 10 holding float32 CDAB at 100.., 10 input int16 at 1000..,
 * 10 coils; 4 requests a poll) polled every second, and MQTT devices publishing
 * `{"temp":…,"count":…,"run":…}` on `plant/dev{i}/telemetry` to the embedded broker.
 */

/** `machines:` entries for one Modbus TCP device per port on 127.0.0.1. */
export function modbusMachinesYaml(ports: readonly number[]): string {
  const points = [
    ...Array.from({ length: 20 }, (_, i) => `{ name: h${i}, area: holding, address: ${i}, type: uint16 }`),
    ...Array.from(
      { length: 10 },
      (_, i) => `{ name: f${i}, area: holding, address: ${100 + 2 * i}, type: float32, order: CDAB }`,
    ),
    ...Array.from(
      { length: 10 },
      (_, i) => `{ name: i${i}, area: input, address: ${1000 + i}, type: int16 }`,
    ),
    ...Array.from({ length: 10 }, (_, i) => `{ name: c${i}, area: coil, address: ${i}, type: bool }`),
  ];
  return ports
    .map(
      (port, d) => `
  - id: mb${d}
    name: Modbus ${d}
    kind: other
    line: bench
    pollIntervalMs: 1000
    connection: { type: tcp, host: 127.0.0.1, port: ${port}, unitId: 1 }
    points:
${points.map((p) => `      - ${p}`).join('\n')}`,
    )
    .join('');
}

/** `machines:` entries for `count` MQTT devices dev0.. on the embedded broker. */
export function mqttMachinesYaml(count: number): string {
  return Array.from(
    { length: count },
    (_, i) => `
  - id: dev${i}
    name: MQTT ${i}
    kind: other
    line: bench
    connection: { type: mqtt, source: broker, topic: 'plant/{machine}/telemetry' }
    points:
      - { name: temp, path: temp, type: number }
      - { name: count, path: count, type: number }
      - { name: run, path: run, type: boolean }`,
  ).join('');
}
