import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

/** The built CLI (dist/, made by `npm run build`, which the test command runs), as users run it. */
export const ROOT = join(import.meta.dirname, '..', '..');
export const CLI = join(ROOT, 'dist', 'gateway', 'cli.js');

export function requireBuiltCli(): void {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run npm run build first (npm test does)`);
}

export interface CliProcess {
  readonly child: ChildProcess;
  /** stdout + stderr so far. */
  output(): string;
  /** Resolves with the exit code (or the signal name), bounded by `timeoutMs`. */
  exited(timeoutMs?: number): Promise<number | string>;
  kill(): void;
}

/** Starts `node dist/gateway/cli.js …args` with extra environment. */
export function spawnCli(args: readonly string[], env: Record<string, string> = {}): CliProcess {
  requireBuiltCli();
  const child = spawn(process.execPath, [CLI, ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout?.on('data', (d) => {
    out += d;
  });
  child.stderr?.on('data', (d) => {
    out += d;
  });
  const done = new Promise<number | string>((resolve) => {
    child.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown'));
  });
  return {
    child,
    output: () => out,
    exited(timeoutMs = 30_000) {
      return Promise.race([
        done,
        new Promise<never>((_, reject) =>
          setTimeout(() => reject(new Error(`no exit within ${timeoutMs} ms\n${out}`)), timeoutMs).unref(),
        ),
      ]);
    },
    kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    },
  };
}

/** Polls `url` until `pred(json)` holds (bounded); returns the last JSON. Fails early if `proc` exits. */
export async function waitForJson<T>(
  url: string,
  pred: (j: T) => boolean,
  proc?: CliProcess,
  timeoutMs = 30_000,
): Promise<T> {
  const t0 = Date.now();
  let last: T | undefined;
  while (Date.now() - t0 < timeoutMs) {
    if (proc && (proc.child.exitCode !== null || proc.child.signalCode !== null))
      throw new Error(
        `the gateway exited (${proc.child.exitCode ?? proc.child.signalCode}):\n${proc.output()}`,
      );
    try {
      last = (await (await fetch(url)).json()) as T;
      if (pred(last)) return last;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(
    `${url}: condition not met within ${timeoutMs} ms; last: ${JSON.stringify(last)}\n${proc?.output() ?? ''}`,
  );
}
