import type { MetricsInput } from './metrics-schema.js';

/** `metrics:` after normalisation. */
export interface MetricsConfig {
  readonly enabled: boolean;
  readonly access: 'public' | 'read';
}

export function normaliseMetrics(input: MetricsInput | undefined): MetricsConfig {
  return { enabled: input?.enabled ?? true, access: input?.access ?? 'public' };
}
