import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from './peers/free-port.js';

/** The built CLI (dist/, made by `npm run build`, which the test command runs), as users run it. */
const root = join(import.meta.dirname, '..');
const cli = join(root, 'dist', 'gateway', 'cli.js');
if (!existsSync(cli)) throw new Error(`${cli} is missing: run npm run build first (npm test does)`);

const run = (...args: string[]) =>
  spawnSync(process.execPath, [cli, ...args], { cwd: root, encoding: 'utf8', timeout: 30_000 });

describe('linegate CLI', () => {
  it('--help explains every command', () => {
    const r = run('--help');
    expect(r.status).toBe(0);
    for (const word of ['check-config', 'simulate', 'demo', '--config', '--port'])
      expect(r.stdout).toContain(word);
  });

  it('check-config accepts the example config', () => {
    const r = run('check-config', 'config/examples/plant.yaml');
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/OK — site htx-tan-cuong, 2 line\(s\), 4 machine\(s\)/);
  });

  it('check-config refuses a broken config with exit 1, file:line path: reason, and no stack trace', () => {
    const r = run('check-config', 'tests/config-errors/bit-without-index/plant.yaml');
    expect(r.status).toBe(1);
    expect(r.stderr.trim()).toBe(
      'tests/config-errors/bit-without-index/plant.yaml:13 machines[0].points[0]: type bit needs "bit: 0..15"',
    );
    expect(r.stderr).not.toMatch(/\bat .*\.js:\d+/);
  });

  it('a missing file is a clear error', () => {
    const r = run('--config', 'nope/plant.yaml');
    expect(r.status).toBe(1);
    expect(r.stderr.trim()).toBe('nope/plant.yaml (file): file not found');
  });

  it('bad command line gives exit 2 and the help', () => {
    const r = run('--bogus');
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('Usage:');
  });
});

describe('linegate demo (what npm start runs)', () => {
  let child: ChildProcess;
  let port: number;
  let out = '';
  let dataDir: string;

  beforeAll(async () => {
    port = await freePort();
    dataDir = mkdtempSync(join(tmpdir(), 'linegate-demo-'));
    child = spawn(process.execPath, [cli, 'demo', '--port', String(port)], {
      cwd: root,
      env: { ...process.env, LINEGATE_DATA_DIR: dataDir },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout?.on('data', (d) => {
      out += d;
    });
    child.stderr?.on('data', (d) => {
      out += d;
    });
  });

  afterAll(() => {
    if (child.exitCode === null) child.kill('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('starts within 30 s with every machine online, then stops cleanly on Ctrl-C', async () => {
    const t0 = Date.now();
    type Health = { status: string; machines: { total: number; online: number } };
    let health = null as Health | null;
    while (Date.now() - t0 < 30_000) {
      try {
        const r = await fetch(`http://127.0.0.1:${port}/api/health`);
        health = (await r.json()) as Health;
        if (health && health.machines.online === health.machines.total) break;
      } catch {
        // not listening yet
      }
      await new Promise((r) => setTimeout(r, 250));
    }
    expect(health?.status, out).toBe('ok');
    expect(health?.machines.total).toBe(9);
    const machines = (await (await fetch(`http://127.0.0.1:${port}/api/machines`)).json()) as {
      id: string;
      online: boolean;
      points: { value: unknown; quality: string; unit: string | null }[];
      comm: { requests?: number; messages?: number; latencyP95Ms?: number | null };
    }[];
    expect(machines.map((m) => m.id).sort()).toEqual(
      [
        'checkweigher-1',
        'dryer-1',
        'former-1',
        'fryer-1',
        'meter-1',
        'packer-1',
        'packer-2',
        'roaster-1',
        'sealer-1',
      ].sort(),
    );
    for (const m of machines) {
      expect(m.online, m.id).toBe(true);
      expect(m.comm.requests ?? m.comm.messages, m.id).toBeGreaterThan(0);
      expect(m.points.filter((p) => p.quality === 'good').length, m.id).toBeGreaterThan(0);
    }
    // Structured logs: every stdout line is JSON.
    const lines = out.split('\n').filter((l) => l.trim() !== '');
    expect(lines.length).toBeGreaterThan(0);
    for (const l of lines) expect(() => JSON.parse(l), l).not.toThrow();

    child.kill('SIGINT');
    const code = await new Promise<number | null>((resolve) => {
      if (child.exitCode !== null) resolve(child.exitCode);
      else child.once('exit', (c) => resolve(c));
    });
    expect(code).toBe(0);
    expect(out).toContain('stopped cleanly');
  });
});
