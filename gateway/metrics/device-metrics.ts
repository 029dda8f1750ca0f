import type { Registry } from 'prom-client';
import type { CommStats, MessageStats } from '../core/source.js';
import type { MetricsInputs } from './gateway-metrics.js';
import { type Emit, readMetric } from './value-metrics.js';

const isPolled = (s: CommStats | MessageStats | undefined): s is CommStats =>
  s !== undefined && 'requests' in s;
const isStreamed = (s: CommStats | MessageStats | undefined): s is MessageStats =>
  s !== undefined && 'messages' in s;

/** Per machine: online state, Modbus request counters, MQTT message counters; per link: open. */
export function deviceMetrics(registry: Registry, inputs: MetricsInputs): void {
  const polled = (fn: (id: string, s: CommStats, emit: Emit) => void) => (emit: Emit) => {
    for (const m of inputs.machines()) {
      const s = inputs.commStats(m.id);
      if (isPolled(s)) fn(m.id, s, emit);
    }
  };
  const streamed = (fn: (id: string, s: MessageStats, emit: Emit) => void) => (emit: Emit) => {
    for (const m of inputs.machines()) {
      const s = inputs.commStats(m.id);
      if (isStreamed(s)) fn(m.id, s, emit);
    }
  };
  readMetric(registry, 'gauge', {
    name: 'linegate_machine_online',
    help: '1 when the machine answers (or publishes), 0 when offline; absent until first known.',
    labelNames: ['machine', 'line'],
    read: (emit) => {
      for (const m of inputs.machines()) {
        const online = inputs.online(m.id);
        if (online !== undefined) emit({ machine: m.id, line: m.line }, online ? 1 : 0);
      }
    },
  });
  readMetric(registry, 'counter', {
    name: 'linegate_poll_requests_total',
    help: 'Modbus requests sent per machine.',
    labelNames: ['machine'],
    read: polled((machine, s, emit) => emit({ machine }, s.requests)),
  });
  readMetric(registry, 'counter', {
    name: 'linegate_poll_errors_total',
    help: 'Failed Modbus requests per machine, by kind: timeout (no answer), exception (the device refused), other (connection, CRC, garbage).',
    labelNames: ['machine', 'kind'],
    read: polled((machine, s, emit) => {
      emit({ machine, kind: 'timeout' }, s.timeouts);
      emit({ machine, kind: 'exception' }, s.exceptions);
      emit({ machine, kind: 'other' }, s.errors - s.timeouts - s.exceptions);
    }),
  });
  readMetric(registry, 'gauge', {
    name: 'linegate_poll_scan_seconds',
    help: 'Duration of the last complete scan (all requests of one poll) per machine.',
    labelNames: ['machine'],
    read: polled((machine, s, emit) => {
      if (s.lastScanMs !== null) emit({ machine }, s.lastScanMs / 1000);
    }),
  });
  readMetric(registry, 'counter', {
    name: 'linegate_mqtt_messages_total',
    help: 'MQTT messages on a machine topic, by result: accepted (stored) or rejected.',
    labelNames: ['machine', 'result'],
    read: streamed((machine, s, emit) => {
      emit({ machine, result: 'accepted' }, s.accepted);
      emit({ machine, result: 'rejected' }, s.messages - s.accepted);
    }),
  });
  readMetric(registry, 'counter', {
    name: 'linegate_mqtt_rejected_total',
    help: 'MQTT messages refused per machine, by reason (payload hygiene, bad timestamp…); never stored.',
    labelNames: ['machine', 'reason'],
    read: streamed((machine, s, emit) => {
      for (const [reason, n] of Object.entries(s.rejected)) emit({ machine, reason }, n);
    }),
  });
  readMetric(registry, 'gauge', {
    name: 'linegate_link_open',
    help: '1 when the Modbus link (TCP connection or serial bus) is open.',
    labelNames: ['link'],
    read: (emit) => {
      for (const l of inputs.links()) emit({ link: l.id }, l.open ? 1 : 0);
    },
  });
}
