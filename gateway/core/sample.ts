/**
 * A sample is one value of one point of one machine at one instant.
 * `ts` is fixed at acquisition (epoch milliseconds) and never changes afterwards, so that a
 * resend to a sink overwrites instead of doubling.
 */
export type Quality = 'good' | 'uncertain' | 'bad';

export type SampleValue = number | boolean | string | null;

export interface Sample {
  readonly machine: string;
  readonly point: string;
  readonly value: SampleValue;
  readonly ts: number;
  readonly quality: Quality;
}
