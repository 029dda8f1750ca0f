import { getHeapStatistics } from 'node:v8';
import { describe, expect, it } from 'vitest';
import {
  applyMemoryV8Flags,
  describeMemorySettings,
  memoryV8Flags,
  withMemorySettings,
} from './memory-settings.js';

describe('withMemorySettings', () => {
  it('fills in the shipped settings', () => {
    const env = withMemorySettings({ PATH: '/bin' });
    expect(env.MALLOC_ARENA_MAX).toBe('2');
    expect(env.MALLOC_MMAP_THRESHOLD_).toBe('131072');
    expect(env.MALLOC_TRIM_THRESHOLD_).toBe('131072');
    expect(env.NODE_OPTIONS).toBe('--max-semi-space-size=1');
    expect(env.PATH).toBe('/bin');
    expect(describeMemorySettings(env)).toBe(
      'MALLOC_ARENA_MAX=2 MALLOC_MMAP_THRESHOLD_=131072 MALLOC_TRIM_THRESHOLD_=131072 NODE_OPTIONS=--max-semi-space-size=1 (set by the gateway: --heap-growing-percent=30 --optimize-for-size)',
    );
  });

  it('keeps what the caller set, and other NODE_OPTIONS', () => {
    const env = withMemorySettings({
      MALLOC_ARENA_MAX: '4',
      NODE_OPTIONS: '--max_semi_space_size=8 --trace-gc',
    });
    expect(env.MALLOC_ARENA_MAX).toBe('4');
    expect(env.NODE_OPTIONS).toBe('--max_semi_space_size=8 --trace-gc');
    expect(withMemorySettings({ NODE_OPTIONS: '--trace-gc' }).NODE_OPTIONS).toBe(
      '--trace-gc --max-semi-space-size=1',
    );
  });

  it('LINEGATE_MEMORY_SETTINGS=off leaves the environment as it is', () => {
    expect(withMemorySettings({ LINEGATE_MEMORY_SETTINGS: 'off' })).toEqual({
      LINEGATE_MEMORY_SETTINGS: 'off',
    });
  });
});

describe('applyMemoryV8Flags', () => {
  it('sets the V8 flags unless opted out', () => {
    expect(applyMemoryV8Flags({ LINEGATE_MEMORY_SETTINGS: 'off' })).toEqual([]);
    expect(applyMemoryV8Flags({})).toEqual(['--heap-growing-percent=30', '--optimize-for-size']);
    expect(memoryV8Flags({ LINEGATE_HEAP_GROWING_PERCENT: '50' })).toEqual([
      '--heap-growing-percent=50',
      '--optimize-for-size',
    ]);
    expect(memoryV8Flags({ LINEGATE_HEAP_GROWING_PERCENT: '0' })).toEqual(['--optimize-for-size']);
    expect(memoryV8Flags({ LINEGATE_OPTIMIZE_FOR_SIZE: '0' })).toEqual(['--heap-growing-percent=30']);
    expect(
      describeMemorySettings({ LINEGATE_OPTIMIZE_FOR_SIZE: '0', LINEGATE_HEAP_GROWING_PERCENT: '0' }),
    ).not.toContain('set by the gateway');
    expect(getHeapStatistics().used_heap_size).toBeGreaterThan(0); // the isolate goes on
  });
});
