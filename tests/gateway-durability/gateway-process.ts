/**
 * The built gateway (`dist/gateway/cli.js run --config FILE`) as a child process, as users run
 * it, for the durability suites: start, wait for `/api/health`, kill with any signal.
 *
 * Calling rules: `npm run build` first (tests/run.sh does). One `GatewayProcess` per start;
 * `kill()` is safe to repeat and resolves once the process has exited.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..', '..');
export const CLI = join(root, 'dist', 'gateway', 'cli.js');

export function requireBuiltCli(): void {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run npm run build first (npm test does)`);
}

export interface Health {
  status: string;
  machines: { total: number; online: number };
  store?: {
    rawRows: number;
    eventRows: number;
    shed: number;
    droppedMemory: number;
    usedBytes: number;
    fileBytes: number;
    capBytes: number;
    fsAvailBytes: number | null;
    writer: { full: boolean; pendingSamples: number; pendingEvents: number; lastError: unknown };
    sinks?: { name: string; depth: number; dropped: { shed: number; retention: number } }[];
  } & Record<string, unknown>;
  sinks?: { sink: string; state: string; queueDepth: number; pointsSent: number }[];
}

export interface GatewayProcess {
  readonly child: ChildProcess;
  /** Last ~8 KiB of stdout + stderr, for failure messages. */
  output(): string;
  /** GET /api/health, or null when it does not answer (yet). */
  health(): Promise<Health | null>;
  /** Polls health every 100 ms until `until(h)` or `timeoutMs`; returns the last answer. */
  waitHealth(until: (h: Health) => boolean, timeoutMs: number): Promise<Health | null>;
  /** Sends `signal` (default SIGKILL) and resolves with how it exited. */
  kill(signal?: NodeJS.Signals): Promise<NodeJS.Signals | number | null>;
  readonly exited: Promise<NodeJS.Signals | number | null>;
}

export function startGatewayProcess(configFile: string, port: number): GatewayProcess {
  requireBuiltCli();
  const child = spawn(process.execPath, [CLI, 'run', '--config', configFile], {
    cwd: root,
    env: { ...process.env, LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'warn' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const keep = (d: Buffer) => {
    out = (out + d.toString()).slice(-8192);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<NodeJS.Signals | number | null>((resolve) =>
    child.on('exit', (code, signal) => resolve(signal ?? code)),
  );
  const health = async (): Promise<Health | null> => {
    try {
      const r = await fetch(`http://127.0.0.1:${port}/api/health`, { signal: AbortSignal.timeout(2000) });
      return (await r.json()) as Health;
    } catch {
      return null;
    }
  };
  return {
    child,
    exited,
    output: () => out,
    health,
    async waitHealth(until, timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      let last: Health | null = null;
      while (Date.now() < deadline && child.exitCode === null && child.signalCode === null) {
        last = await health();
        if (last && until(last)) return last;
        await new Promise((r) => setTimeout(r, 100));
      }
      return last;
    },
    async kill(signal = 'SIGKILL') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}

/** Small seeded PRNG (mulberry32), so a failing run can be repeated with its seed. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
