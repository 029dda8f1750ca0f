import type { Registry } from 'prom-client';
import type { SinkStatus } from '../runtime/running-sink.js';
import type { StoreStats } from '../store/index.js';
import { type Emit, readMetric } from './value-metrics.js';

interface StoreInputs {
  /** The snapshot taken for this scrape; null without a store. */
  storage(): { store: StoreStats; sinks: readonly SinkStatus[] } | null;
  now(): number;
}

const UP_STATES: ReadonlySet<SinkStatus['state']> = new Set(['idle', 'sending']);

/** The local store (size, rows, losses by reason) and each sink's outbox and delivery. */
export function storeMetrics(registry: Registry, inputs: StoreInputs): void {
  const store = (fn: (s: StoreStats, emit: Emit) => void) => (emit: Emit) => {
    const st = inputs.storage();
    if (st) fn(st.store, emit);
  };
  const sinks = (fn: (s: SinkStatus, emit: Emit) => void) => (emit: Emit) => {
    for (const s of inputs.storage()?.sinks ?? []) fn(s, emit);
  };
  const gauge = (name: string, help: string, labelNames: string[], read: (emit: Emit) => void) =>
    readMetric(registry, 'gauge', { name, help, labelNames, read });
  const counter = (name: string, help: string, labelNames: string[], read: (emit: Emit) => void) =>
    readMetric(registry, 'counter', { name, help, labelNames, read });

  gauge(
    'linegate_store_bytes',
    'Local SQLite store on disk: file, wal, and used (pages in use + WAL, what the disk cap compares).',
    ['kind'],
    store((s, emit) => {
      emit({ kind: 'file' }, s.fileBytes);
      emit({ kind: 'wal' }, s.walBytes);
      emit({ kind: 'used' }, s.usedBytes);
    }),
  );
  gauge(
    'linegate_store_max_bytes',
    'Disk cap of the store (store.maxBytes).',
    [],
    store((s, emit) => emit({}, s.maxBytes)),
  );
  gauge(
    'linegate_store_over_cap',
    '1 when the store is over its cap with no raw sample left to shed.',
    [],
    store((s, emit) => emit({}, s.overCap ? 1 : 0)),
  );
  gauge(
    'linegate_store_rows',
    'Rows in the store by table: raw samples, events, quarantined lines.',
    ['table'],
    store((s, emit) => {
      emit({ table: 'raw' }, s.rawRows);
      emit({ table: 'event' }, s.eventRows);
      emit({ table: 'quarantine' }, s.quarantineRows);
    }),
  );
  gauge(
    'linegate_store_pending_rows',
    'Rows buffered in memory, not yet committed (flushed about once a second).',
    ['kind'],
    store((s, emit) => {
      emit({ kind: 'sample' }, s.writer.pendingSamples);
      emit({ kind: 'event' }, s.writer.pendingEvents);
    }),
  );
  gauge(
    'linegate_store_ram_bytes',
    'RAM tier (store.ramTier): pages in use in the RAM file, and its bound. Absent without a RAM tier.',
    ['kind'],
    store((s, emit) => {
      if (!s.ram) return;
      emit({ kind: 'used' }, s.ram.bytes);
      emit({ kind: 'max' }, s.ram.maxBytes);
    }),
  );
  counter(
    'linegate_store_ram_moved_rows_total',
    'RAM tier: raw rows moved to the card since the start, because no sink acked them in time or at a stop. Absent without a RAM tier.',
    [],
    store((s, emit) => {
      if (s.ram) emit({}, s.ram.spilled);
    }),
  );
  counter(
    'linegate_samples_dropped_total',
    'Samples the store let go of, by reason: shed (raw rows deleted by the disk cap, sent or not), memory (never stored: the disk stayed full). Counted across restarts.',
    ['reason'],
    store((s, emit) => {
      emit({ reason: 'shed' }, s.shed);
      emit({ reason: 'memory' }, s.droppedMemory);
    }),
  );
  counter(
    'linegate_sink_rows_lost_total',
    'Rows a sink will never get, by reason: shed (disk cap) or retention (deleted by age) before the sink acked them; ram (only in the RAM tier when it was lost: power cut); quarantined (refused by the server). Counted across restarts.',
    ['sink', 'reason'],
    store((s, emit) => {
      for (const k of s.sinks) {
        emit({ sink: k.name, reason: 'shed' }, k.dropped.shed);
        emit({ sink: k.name, reason: 'retention' }, k.dropped.retention);
        if (k.dropped.ram > 0) emit({ sink: k.name, reason: 'ram' }, k.dropped.ram);
        emit({ sink: k.name, reason: 'quarantined' }, k.quarantined);
      }
    }),
  );
  gauge(
    'linegate_outbox_depth_rows',
    'Rows waiting in a sink’s outbox (not yet acked by InfluxDB / the uplink).',
    ['sink'],
    sinks((s, emit) => emit({ sink: s.sink }, s.queueDepth)),
  );
  gauge(
    'linegate_outbox_oldest_unsent_age_seconds',
    'Age of the oldest row not yet delivered by a sink (acquisition time to now); 0 when the outbox is empty.',
    ['sink'],
    sinks((s, emit) =>
      emit(
        { sink: s.sink },
        s.oldestUnsentTs === null ? 0 : Math.max(0, inputs.now() - s.oldestUnsentTs) / 1000,
      ),
    ),
  );
  gauge(
    'linegate_sink_up',
    '1 when the sink is idle or sending, 0 when backing off, refused or failing authentication.',
    ['sink', 'state'],
    sinks((s, emit) => emit({ sink: s.sink, state: s.state }, UP_STATES.has(s.state) ? 1 : 0)),
  );
  counter(
    'linegate_sink_rows_sent_total',
    'Rows delivered and acked by a sink since start.',
    ['sink'],
    sinks((s, emit) => emit({ sink: s.sink }, s.pointsSent)),
  );
  counter(
    'linegate_sink_requests_total',
    'Write requests made by a sink since start, and of them the failed ones that are retried.',
    ['sink', 'result'],
    sinks((s, emit) => {
      emit({ sink: s.sink, result: 'all' }, s.requests);
      emit({ sink: s.sink, result: 'retried' }, s.retries);
    }),
  );
}
