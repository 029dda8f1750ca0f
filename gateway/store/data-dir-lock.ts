/**
 * `<dataDir>/linegate.lock`: which process runs a gateway on this data directory. The store
 * allows one writer per file (seq allocation), and `linegate restore` must not replace a
 * database under a running gateway.
 *
 * The lock names a pid and the kernel's boot id. It is held when that process is alive in the
 * same boot and is not the caller (after a power cut the pid numbers start again, and in a
 * container the gateway is often pid 1 in every run). A lock left by a crash is stale and taken
 * over. Advisory only: it guards against people and scripts, not against a hostile process.
 *
 * Calling rules: a gateway calls `acquireDataDirLock` before opening the store and `release()`
 * after closing it; tools call `lockHolder` to ask.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { LinegateError } from '../core/errors.js';

export const LOCK_FILE_NAME = 'linegate.lock';

export interface LockInfo {
  readonly pid: number;
  readonly bootId: string | null;
  readonly host: string;
  readonly since: number;
}

function bootId(): string | null {
  try {
    return readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
  } catch {
    return null;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'; // exists, owned by another user
  }
}

function readLock(dataDir: string): LockInfo | null {
  try {
    const j = JSON.parse(readFileSync(join(dataDir, LOCK_FILE_NAME), 'utf8')) as Partial<LockInfo>;
    if (typeof j.pid !== 'number') return null;
    return { pid: j.pid, bootId: j.bootId ?? null, host: String(j.host ?? ''), since: Number(j.since ?? 0) };
  } catch {
    return null;
  }
}

/** The live process that holds the data directory, or null when it is free (or the lock stale). */
export function lockHolder(dataDir: string): LockInfo | null {
  const lock = readLock(dataDir);
  if (!lock || lock.pid === process.pid) return null;
  const boot = bootId();
  if (lock.bootId && boot && lock.bootId !== boot) return null; // written before a reboot
  return alive(lock.pid) ? lock : null;
}

export function lockedError(dataDir: string, holder: LockInfo): LinegateError {
  return new LinegateError(
    'LG_DATA_DIR_LOCKED',
    `${dataDir} is in use by a running linegate (pid ${holder.pid} on ${holder.host}, since ${new Date(holder.since).toISOString()}); stop it first`,
    { dataDir, pid: holder.pid },
  );
}

/** Takes the lock (refusing a live holder) and returns its release. */
export function acquireDataDirLock(dataDir: string): { release(): void } {
  const holder = lockHolder(dataDir);
  if (holder) throw lockedError(dataDir, holder);
  const path = join(dataDir, LOCK_FILE_NAME);
  const info: LockInfo = { pid: process.pid, bootId: bootId(), host: hostname(), since: Date.now() };
  try {
    mkdirSync(dataDir, { recursive: true });
    writeFileSync(path, `${JSON.stringify(info)}\n`);
  } catch (err) {
    throw new LinegateError(
      'LG_STORE_OPEN',
      `cannot write ${path}: ${(err as Error).message}`,
      { dataDir },
      { cause: err },
    );
  }
  let released = false;
  return {
    release() {
      if (released) return;
      released = true;
      if (readLock(dataDir)?.pid === process.pid) rmSync(path, { force: true });
    },
  };
}
