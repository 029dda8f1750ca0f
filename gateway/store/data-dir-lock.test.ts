import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { isLinegateError } from '../core/errors.js';
import { acquireDataDirLock, LOCK_FILE_NAME, lockHolder } from './data-dir-lock.js';

const dirs: string[] = [];
const fresh = () => {
  const d = mkdtempSync(join(tmpdir(), 'linegate-lock-'));
  dirs.push(d);
  return d;
};
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
const bootId = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
const writeLock = (dir: string, pid: number, boot: string | null = bootId) =>
  writeFileSync(join(dir, LOCK_FILE_NAME), JSON.stringify({ pid, bootId: boot, host: 'pi', since: 0 }));

describe('data directory lock', () => {
  it('is taken and released by its owner', () => {
    const dir = fresh();
    const lock = acquireDataDirLock(dir);
    expect(JSON.parse(readFileSync(join(dir, LOCK_FILE_NAME), 'utf8')).pid).toBe(process.pid);
    lock.release();
    expect(existsSync(join(dir, LOCK_FILE_NAME))).toBe(false);
  });

  it('refuses while another live process of this boot holds it', () => {
    const dir = fresh();
    writeLock(dir, process.ppid); // the test runner's parent: alive, not us
    expect(lockHolder(dir)?.pid).toBe(process.ppid);
    let err: unknown;
    try {
      acquireDataDirLock(dir);
    } catch (e) {
      err = e;
    }
    expect(isLinegateError(err, 'LG_DATA_DIR_LOCKED')).toBe(true);
    expect(JSON.parse(readFileSync(join(dir, LOCK_FILE_NAME), 'utf8')).pid).toBe(process.ppid);
  });

  it('takes over a lock left by a dead process, by a previous boot, or with garbage', () => {
    const dir = fresh();
    writeLock(dir, 2 ** 22 + 12345); // above pid_max: no such process
    expect(lockHolder(dir)).toBeNull();
    writeLock(dir, process.ppid, 'another-boot');
    expect(lockHolder(dir)).toBeNull();
    writeFileSync(join(dir, LOCK_FILE_NAME), 'not json');
    expect(lockHolder(dir)).toBeNull();
    acquireDataDirLock(dir).release();
  });

  it('ignores a lock naming the caller itself (a container gateway is pid 1 in every run)', () => {
    const dir = fresh();
    writeLock(dir, process.pid);
    expect(lockHolder(dir)).toBeNull();
  });
});
