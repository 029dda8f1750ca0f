/**
 * Counts failed sign-ins per account and per client IP in a sliding window. Pure memory, an
 * injected clock. Unknown account names are counted like known ones, so the answer never tells
 * whether a user exists. A success clears the account's count (not the IP's).
 *
 * Calling rules: `blocked()` before checking the password (a blocked attempt costs no scrypt
 * and is not counted again); `fail()` after a wrong password; `succeed()` after a right one.
 */
export interface LimiterOptions {
  readonly maxFailuresPerAccount: number;
  readonly maxFailuresPerIp: number;
  readonly windowMs: number;
  readonly now: () => number;
}

const MAX_KEYS = 10_000;

export class LoginLimiter {
  private readonly accounts = new Map<string, number[]>();
  private readonly ips = new Map<string, number[]>();

  constructor(private readonly opts: LimiterOptions) {}

  private recent(map: Map<string, number[]>, key: string): number[] {
    const cut = this.opts.now() - this.opts.windowMs;
    const list = (map.get(key) ?? []).filter((t) => t > cut);
    if (list.length === 0) map.delete(key);
    else map.set(key, list);
    return list;
  }

  /** Seconds until the next try is allowed, or 0 when it is allowed now. */
  blocked(account: string, ip: string): number {
    const a = this.recent(this.accounts, account.toLowerCase());
    const i = this.recent(this.ips, ip);
    const waits: number[] = [];
    const now = this.opts.now();
    if (a.length >= this.opts.maxFailuresPerAccount)
      waits.push((a[a.length - this.opts.maxFailuresPerAccount] ?? now) + this.opts.windowMs - now);
    if (i.length >= this.opts.maxFailuresPerIp)
      waits.push((i[i.length - this.opts.maxFailuresPerIp] ?? now) + this.opts.windowMs - now);
    return waits.length === 0 ? 0 : Math.max(1, Math.ceil(Math.max(...waits) / 1000));
  }

  fail(account: string, ip: string): void {
    const t = this.opts.now();
    for (const [map, key] of [
      [this.accounts, account.toLowerCase()],
      [this.ips, ip],
    ] as const) {
      if (map.size >= MAX_KEYS && !map.has(key)) {
        const oldest = map.keys().next().value;
        if (oldest !== undefined) map.delete(oldest);
      }
      map.set(key, [...this.recent(map, key), t]);
    }
  }

  succeed(account: string): void {
    this.accounts.delete(account.toLowerCase());
  }
}
