import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../config/load.js';
import { diffConfig } from './config-diff.js';
import { Reloader } from './reloader.js';

const log = pino({ level: 'silent' });
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const machine = (id: string, port = 5000 + id.charCodeAt(0)) => `
  - id: ${id}
    name: Máy ${id}
    kind: fryer
    line: line-1
    connection: { type: tcp, host: 127.0.0.1, port: ${port}, unitId: 1 }
    points: [{ name: oil, area: holding, address: 0, type: uint16 }]`;

function configFile(machines: string[], extra = ''): string {
  const dir = mkdtempSync(join(tmpdir(), 'linegate-reloader-'));
  dirs.push(dir);
  const file = join(dir, 'plant.yaml');
  write(file, machines, extra);
  return file;
}

function write(file: string, machines: string[], extra = ''): void {
  writeFileSync(
    file,
    `site: { id: s1, name: Xưởng 1 }\nlines: [{ id: line-1, name: Dây 1 }]\nmachines:${machines.join('')}\n${extra}`,
  );
}

describe('diffConfig', () => {
  it('names machines added, removed and changed, and the keys only a restart applies', () => {
    const file = configFile([machine('a'), machine('b')]);
    const prev = loadConfig(file);
    write(file, [machine('b', 6000), machine('c')], 'http: { port: 9999 }\n');
    const d = diffConfig(prev, loadConfig(file));
    expect(d.machines).toEqual({ added: ['c'], removed: ['a'], changed: ['b'] });
    expect(d.restartNeeded).toEqual(['http']);
    expect(d.none).toBe(false);
    expect(diffConfig(prev, prev).none).toBe(true);
  });
});

describe('Reloader', () => {
  it('applies a valid file to every part in order and refuses an invalid one', async () => {
    const file = configFile([machine('a')]);
    const r = new Reloader({ config: loadConfig(file), load: () => loadConfig(file), log });
    const calls: string[] = [];
    r.register('one', (next, prev) => {
      calls.push(`one:${prev.machines.length}->${next.machines.length}`);
    });
    r.register('two', async (_n, _p, diff) => {
      calls.push(`two:${diff.machines.added.join(',')}`);
    });
    write(file, [machine('a'), machine('b')]);
    const ok = await r.reload('test');
    expect(ok).toMatchObject({ result: 'applied', changes: { machinesAdded: ['b'], machinesRemoved: [] } });
    expect(calls).toEqual(['one:1->2', 'two:b']);
    expect(r.config.machines.map((m) => m.id)).toEqual(['a', 'b']);

    write(file, [machine('a'), machine('b', 70000)]);
    const bad = await r.reload('test');
    expect(bad.result).toBe('refused');
    expect(bad.code).toBe('LG_CONFIG_INVALID');
    expect(bad.issues[0]).toMatch(/plant\.yaml:\d+ machines\[1\]\.connection\.port/);
    expect(r.config.machines.map((m) => m.id)).toEqual(['a', 'b']);
    expect(calls).toHaveLength(2);

    expect((await r.reload('test')).result).toBe('refused');
    write(file, [machine('a'), machine('b')]);
    expect((await r.reload('test')).result).toBe('unchanged');
    expect(r.status()).toMatchObject({ count: 1, refused: 2, last: { result: 'unchanged' } });
  });

  it('keeps http, dataDir, store and log from the running config', async () => {
    const file = configFile([machine('a')]);
    const first = loadConfig(file);
    const r = new Reloader({ config: first, load: () => loadConfig(file), log });
    write(file, [machine('a'), machine('b')], 'http: { port: 9999 }\ndataDir: /elsewhere\n');
    const res = await r.reload('test');
    expect(res.changes?.restartNeeded).toEqual(['http', 'dataDir']);
    expect(r.config.http).toEqual(first.http);
    expect(r.config.dataDir).toBe(first.dataDir);
    expect(r.config.machines).toHaveLength(2);
  });

  it('a part that throws is reported; the other parts still get the new config', async () => {
    const file = configFile([machine('a')]);
    const r = new Reloader({ config: loadConfig(file), load: () => loadConfig(file), log });
    const got: number[] = [];
    r.register('broken', () => {
      throw new Error('boom');
    });
    r.register('fine', (next) => {
      got.push(next.machines.length);
    });
    write(file, [machine('a'), machine('b')]);
    const res = await r.reload('test');
    expect(res.failedParts).toEqual([{ part: 'broken', message: 'boom' }]);
    expect(got).toEqual([2]);
  });

  it('runs reloads one at a time', async () => {
    const file = configFile([machine('a')]);
    const r = new Reloader({ config: loadConfig(file), load: () => loadConfig(file), log });
    let inside = 0;
    let most = 0;
    r.register('slow', async () => {
      inside++;
      most = Math.max(most, inside);
      await new Promise((res) => setTimeout(res, 20));
      inside--;
    });
    write(file, [machine('a'), machine('b')]);
    const first = r.reload('test');
    const second = r.reload('test');
    expect((await first).result).toBe('applied');
    expect((await second).result).toBe('unchanged');
    expect(most).toBe(1);
  });

  it('with reload.watch, a saved file is reloaded once after the quiet time', async () => {
    const file = configFile([machine('a')], 'reload: { watch: true, debounceMs: 100 }\n');
    const r = new Reloader({ config: loadConfig(file), load: () => loadConfig(file), log });
    let applied = 0;
    r.register('count', () => {
      applied++;
    });
    r.follow(r.config);
    expect(r.status().watching).toBe(true);
    for (const n of [2, 3]) {
      write(
        file,
        ['a', 'b', 'c'].slice(0, n).map((id) => machine(id)),
        'reload: { watch: true, debounceMs: 100 }\n',
      );
    }
    for (let i = 0; i < 100 && applied === 0; i++) await new Promise((res) => setTimeout(res, 50));
    await new Promise((res) => setTimeout(res, 300));
    expect(applied).toBe(1);
    expect(r.config.machines).toHaveLength(3);
    expect(r.status().last?.trigger).toBe('watch');
    await r.stop();
    expect(r.status().watching).toBe(false);
  });
});
