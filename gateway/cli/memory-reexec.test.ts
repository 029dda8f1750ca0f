import { describe, expect, it } from 'vitest';
import { planMemoryReexec } from './memory-reexec.js';

const base = {
  execPath: '/usr/bin/node',
  execArgv: [] as string[],
  argv: ['/usr/bin/node', '/opt/linegate/dist/gateway/cli.js', 'run', '-c', 'plant.yaml'],
};
const SHIPPED = {
  MALLOC_ARENA_MAX: '2',
  MALLOC_MMAP_THRESHOLD_: '131072',
  MALLOC_TRIM_THRESHOLD_: '131072',
  NODE_OPTIONS: '--max-semi-space-size=1',
};

describe('planMemoryReexec', () => {
  it('restarts once, same argv, with the settings added to the environment', () => {
    const plan = planMemoryReexec({ ...base, env: { PATH: '/bin' }, canExecve: true });
    expect(plan).toEqual({
      kind: 'exec',
      file: '/usr/bin/node',
      args: ['/usr/bin/node', '/opt/linegate/dist/gateway/cli.js', 'run', '-c', 'plant.yaml'],
      env: { PATH: '/bin', ...SHIPPED, LINEGATE_MEMORY_REEXECED: '1' },
    });
    // The restarted process does nothing more, whatever it finds.
    if (plan.kind !== 'exec') throw new Error('exec');
    expect(planMemoryReexec({ ...base, env: plan.env, canExecve: true })).toEqual({ kind: 'none' });
    expect(planMemoryReexec({ ...base, env: { LINEGATE_MEMORY_REEXECED: '1' }, canExecve: true })).toEqual({
      kind: 'none',
    });
  });

  it('does nothing when the settings are there (unit, image), or when opted out', () => {
    expect(planMemoryReexec({ ...base, env: { ...SHIPPED }, canExecve: true })).toEqual({ kind: 'none' });
    expect(
      planMemoryReexec({
        ...base,
        env: { ...SHIPPED, MALLOC_ARENA_MAX: '4', NODE_OPTIONS: '' },
        execArgv: ['--max-semi-space-size=2'],
        canExecve: true,
      }),
    ).toEqual({ kind: 'none' });
    expect(planMemoryReexec({ ...base, env: { LINEGATE_MEMORY_SETTINGS: 'off' }, canExecve: true })).toEqual({
      kind: 'none',
    });
  });

  it('without process.execve (Node < 22.15): a hint naming what is missing', () => {
    expect(planMemoryReexec({ ...base, env: { MALLOC_ARENA_MAX: '2' }, canExecve: false })).toEqual({
      kind: 'hint',
      missing:
        'MALLOC_MMAP_THRESHOLD_=131072 MALLOC_TRIM_THRESHOLD_=131072 NODE_OPTIONS=--max-semi-space-size=1',
    });
  });
});
