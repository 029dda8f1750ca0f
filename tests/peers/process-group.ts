/**
 * Child processes for test peers: each runs in its own process group so that killing it
 * also kills whatever it started, every wait is bounded, and no peer survives the test
 * process (killed on normal exit here; peers that read stdin also exit when it closes).
 */
import { type ChildProcess, type SpawnOptions, spawn } from 'node:child_process';
import { createInterface, type Interface } from 'node:readline';
import type { Readable } from 'node:stream';

const live = new Set<ChildProcess>();
let exitHookInstalled = false;

function killAllNow(): void {
  for (const child of live) signalGroup(child, 'SIGKILL');
  live.clear();
}

function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined || hasExited(child)) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // The group is already gone.
  }
}

function hasExited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

/** Spawns `command` as the leader of a new process group, tracked until it exits. */
export function spawnPeer(
  command: string,
  args: readonly string[],
  options: SpawnOptions = {},
): ChildProcess {
  if (!exitHookInstalled) {
    process.on('exit', killAllNow);
    exitHookInstalled = true;
  }
  const child = spawn(command, args, { ...options, detached: true });
  live.add(child);
  child.once('exit', () => live.delete(child));
  // An 'error' (e.g. ENOENT) without a listener would crash the test worker.
  child.once('error', () => live.delete(child));
  return child;
}

/** Resolves once the child has exited, or after `timeoutMs` with false. */
export function waitForExit(child: ChildProcess, timeoutMs: number): Promise<boolean> {
  if (hasExited(child) || child.pid === undefined) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      child.off('exit', onExit);
      resolve(false);
    }, timeoutMs);
    const onExit = (): void => {
      clearTimeout(timer);
      resolve(true);
    };
    child.once('exit', onExit);
  });
}

/**
 * Sends `signal` to the child's whole group and waits up to `graceMs` for it to exit; if it
 * has not, sends SIGKILL and waits up to 2 s more. Throws only if even SIGKILL did not work.
 */
export async function killGroup(
  child: ChildProcess,
  signal: NodeJS.Signals = 'SIGTERM',
  graceMs = 3000,
): Promise<void> {
  if (hasExited(child) || child.pid === undefined) return;
  signalGroup(child, signal);
  if (await waitForExit(child, graceMs)) return;
  signalGroup(child, 'SIGKILL');
  if (!(await waitForExit(child, 2000))) {
    throw new Error(`process group ${child.pid} did not exit after SIGKILL`);
  }
}

/** Keeps the last `maxChars` characters written to a stream, for error messages. */
export function tailOf(stream: Readable | null, maxChars = 4000): () => string {
  let text = '';
  stream?.setEncoding('utf8');
  stream?.on('data', (chunk: string) => {
    text = (text + chunk).slice(-maxChars);
  });
  return () => text;
}

/** A line reader over a child's stream; it lives as long as the stream (never paused). */
export function linesOf(stream: Readable): Interface {
  return createInterface({ input: stream, crlfDelay: Number.POSITIVE_INFINITY });
}

/**
 * Resolves with the first match of `pattern` in a line from `lines`. Rejects after
 * `timeoutMs`, or when the child exits first; `describe()` adds context to the error.
 */
export function waitForLine(
  child: ChildProcess,
  lines: Interface,
  pattern: RegExp,
  timeoutMs: number,
  describe: () => string,
): Promise<RegExpMatchArray> {
  if (hasExited(child)) {
    return Promise.reject(
      new Error(
        `exited (code ${child.exitCode}, signal ${child.signalCode}) before ${pattern}: ${describe()}`,
      ),
    );
  }
  return new Promise((resolve, reject) => {
    const finish = (error: Error | null, match?: RegExpMatchArray): void => {
      clearTimeout(timer);
      lines.off('line', onLine);
      child.off('exit', onExit);
      child.off('error', onError);
      if (error) reject(error);
      else if (match) resolve(match);
    };
    const onLine = (line: string): void => {
      const match = line.match(pattern);
      if (match) finish(null, match);
    };
    const onExit = (code: number | null, signal: NodeJS.Signals | null): void =>
      finish(new Error(`exited (code ${code}, signal ${signal}) before ${pattern}: ${describe()}`));
    const onError = (error: Error): void => finish(new Error(`${error.message}: ${describe()}`));
    const timer = setTimeout(
      () => finish(new Error(`no ${pattern} within ${timeoutMs} ms: ${describe()}`)),
      timeoutMs,
    );
    lines.on('line', onLine);
    child.once('exit', onExit);
    child.once('error', onError);
  });
}
