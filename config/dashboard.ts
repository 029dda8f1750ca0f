import { isAbsolute, resolve } from 'node:path';
import type { Static } from '@sinclair/typebox';
import type { DashboardSection } from './dashboard-schema.js';

/** The `dashboard:` section with defaults filled in. */
export interface DashboardConfig {
  readonly kiosk: boolean;
  readonly sessionIdleMs: number;
  /** Absolute lifetime of a session from sign-in. */
  readonly sessionMaxMs: number;
  readonly bodyLimitBytes: number;
  readonly login: {
    readonly maxFailuresPerAccount: number;
    readonly maxFailuresPerIp: number;
    readonly windowMs: number;
  };
  /** Absolute paths; null = plain HTTP. */
  readonly tls: { readonly cert: string; readonly key: string } | null;
  readonly allowedOrigins: readonly string[];
}

export const DASHBOARD_DEFAULTS: DashboardConfig = {
  kiosk: false,
  sessionIdleMs: 480 * 60_000,
  sessionMaxMs: 24 * 3_600_000,
  bodyLimitBytes: 65_536,
  login: { maxFailuresPerAccount: 5, maxFailuresPerIp: 20, windowMs: 15 * 60_000 },
  tls: null,
  allowedOrigins: [],
};

export function normaliseDashboard(
  input: Static<typeof DashboardSection> | undefined,
  baseDir: string,
): DashboardConfig {
  const d = DASHBOARD_DEFAULTS;
  const abs = (p: string) => (isAbsolute(p) ? p : resolve(baseDir, p));
  return {
    kiosk: input?.kiosk ?? d.kiosk,
    sessionIdleMs: (input?.sessionIdleMinutes ?? d.sessionIdleMs / 60_000) * 60_000,
    sessionMaxMs: (input?.sessionMaxHours ?? d.sessionMaxMs / 3_600_000) * 3_600_000,
    bodyLimitBytes: input?.bodyLimitBytes ?? d.bodyLimitBytes,
    login: {
      maxFailuresPerAccount: input?.login?.maxFailuresPerAccount ?? d.login.maxFailuresPerAccount,
      maxFailuresPerIp: input?.login?.maxFailuresPerIp ?? d.login.maxFailuresPerIp,
      windowMs: (input?.login?.windowMinutes ?? d.login.windowMs / 60_000) * 60_000,
    },
    tls: input?.tls ? { cert: abs(input.tls.cert), key: abs(input.tls.key) } : null,
    allowedOrigins: input?.allowedOrigins ?? [],
  };
}
