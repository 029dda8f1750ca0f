import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sleep } from '../helpers/acquisition.js';
import { freePort } from '../peers/free-port.js';

/**
 * SIGHUP on the built CLI (what `systemctl reload linegate` sends): the config file is read again,
 * a valid one applied in the running process, an invalid one refused with file:line in the log.
 * The Modbus machines point at a closed port: this test is about the signal, not the data
 * (tests/reload/reload.test.ts runs the data through real peers).
 */
const root = join(import.meta.dirname, '..', '..');
const cli = join(root, 'dist', 'gateway', 'cli.js');
if (!existsSync(cli)) throw new Error(`${cli} is missing: run npm run build first (npm test does)`);

interface Health {
  machines: { total: number };
  reload: { count: number; refused: number; last: { result: string; at: number } | null };
}

describe('linegate --config: SIGHUP reloads', () => {
  let child: ChildProcess;
  let dir: string;
  let file: string;
  let url: string;
  let out = '';
  let closed: number;

  const machine = (id: string, unit: number) => `
  - id: ${id}
    name: Máy ${id}
    kind: fryer
    line: line-1
    pollIntervalMs: 1000
    connection: { type: tcp, host: 127.0.0.1, port: ${closed}, unitId: ${unit}, timeoutMs: 200 }
    points: [{ name: oil, area: holding, address: 0, type: uint16 }]`;
  const write = (body: string) =>
    writeFileSync(file, `site: { id: s1, name: Xưởng 1 }\nlines: [{ id: line-1, name: Dây 1 }]\n${body}`);
  const health = async (): Promise<Health> => (await (await fetch(`${url}/api/health`)).json()) as Health;
  const until = async (pred: (h: Health) => boolean): Promise<Health> => {
    let h = await health();
    for (let i = 0; i < 100 && !pred(h); i++) {
      await sleep(100);
      h = await health();
    }
    return h;
  };

  const logged = async (re: RegExp): Promise<string> => {
    for (let i = 0; i < 50 && !re.test(out); i++) await sleep(100);
    return out;
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'linegate-sighup-'));
    file = join(dir, 'plant.yaml');
    closed = await freePort();
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    write(
      `machines:${machine('a', 1)}\nhttp: { host: 127.0.0.1, port: ${port} }\ndataDir: ${join(dir, 'data')}\n`,
    );
    child = spawn(process.execPath, [cli, '--config', file], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
    });
    child.stderr?.on('data', (d: Buffer) => {
      out += d.toString();
    });
    for (let i = 0; i < 100 && !out.includes('linegate started'); i++) await sleep(100);
    expect(out).toContain('linegate started');
  });

  afterAll(async () => {
    if (child && child.exitCode === null) child.kill('SIGKILL');
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('applies a valid file, refuses an invalid one, and keeps serving', async () => {
    const port = new URL(url).port;
    expect((await health()).reload).toMatchObject({ count: 0, refused: 0, last: null });
    write(
      `machines:${machine('a', 1)}${machine('b', 2)}\nhttp: { host: 127.0.0.1, port: ${port} }\ndataDir: ${join(dir, 'data')}\n`,
    );
    child.kill('SIGHUP');
    const h1 = await until((h) => h.reload.count === 1);
    expect(h1.reload.last?.result).toBe('applied');
    expect(h1.machines.total).toBe(2);
    expect(await logged(/config reloaded/)).toMatch(/"machinesAdded":\["b"\].*config reloaded/);

    write(`machines:${machine('a', 1)}\n  - id: c\n    kind: toaster\n`);
    child.kill('SIGHUP');
    const h2 = await until((h) => h.reload.refused === 1);
    expect(h2.reload.last?.result).toBe('refused');
    expect(h2.machines.total).toBe(2); // the running config stays
    expect(await logged(/config reload refused/)).toMatch(
      /config reload refused, the running config stays:\\n.*plant\.yaml:\d+ machines\[1\]/,
    );

    child.kill('SIGTERM');
    const code = await new Promise<number | null>((res) => child.once('exit', (c) => res(c)));
    expect(code).toBe(0);
  });
});
