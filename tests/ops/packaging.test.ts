import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MEMORY_ENV, MEMORY_NODE_OPTIONS } from '../../gateway/runtime/memory-settings.js';
import { ROOT } from '../helpers/cli-gateway.js';
import { parseDockerfile, parseUnit } from '../helpers/packaging-files.js';
import { hasCommand, requirePeer } from '../peers/require-peer.js';

/**
 * The Docker image recipe and the systemd unit, read and checked for what matters on a Pi that
 * runs for years (Docker cannot run here, so the image is not built by the tests).
 */
const read = (p: string) => readFileSync(join(ROOT, p), 'utf8');
const pkg = JSON.parse(read('package.json')) as { bin: Record<string, string>; engines: { node: string } };
const binPath = pkg.bin.linegate ?? '';

describe('Dockerfile', () => {
  const { stages } = parseDockerfile(read('Dockerfile'));
  const runtime = stages.at(-1);
  const build = stages[0];
  const all = (keyword: string, stage = runtime) =>
    (stage?.instructions ?? []).filter((i) => i.keyword === keyword).map((i) => i.args);

  it('is multi-stage on a pinned Node 22 LTS slim base, never :latest', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    for (const s of stages) {
      expect(s.from, 'every FROM has a tag').toMatch(/^[\w./-]+:[\w.-]+$/);
      expect(s.from).not.toMatch(/:latest$/);
      expect(s.from).toMatch(/^node:22[.\w-]*-slim$/);
    }
    expect(build?.name).toBe('build');
    expect(all('RUN', build).join(' ')).toMatch(/python3 make g\+\+/); // better-sqlite3's build tools
    expect(all('RUN').join(' '), 'no compilers in the runtime image').not.toMatch(/g\+\+|build-essential/);
    expect(
      all('COPY').every((c) => c.includes('--from=build')),
      'runtime copies only from the build',
    ).toBe(true);
  });

  it('runs as a non-root user, with a data volume, a health check and the CLI entry', () => {
    const user = all('USER').at(-1);
    expect(user).toBeDefined();
    expect(user).not.toMatch(/^(root|0)(:|$)/);
    const userIndex = runtime?.instructions.findIndex((i) => i.keyword === 'USER') ?? -1;
    const lastRun = runtime?.instructions.map((i) => i.keyword).lastIndexOf('RUN') ?? -1;
    expect(userIndex, 'USER comes after the last RUN').toBeGreaterThan(lastRun);
    expect(all('VOLUME')).toContain('/var/lib/linegate');
    expect(all('ENV').join(' ')).toMatch(/LINEGATE_DATA_DIR=\/var\/lib\/linegate/);
    // Resident memory (docs/footprint.md): the settings the benchmarks measure.
    const env = all('ENV').join(' ');
    for (const [k, v] of Object.entries(MEMORY_ENV)) expect(env).toContain(`${k}=${v}`);
    expect(env).toContain(`NODE_OPTIONS=${MEMORY_NODE_OPTIONS.join(' ')}`);
    expect(all('EXPOSE').join(' ')).toMatch(/\b8080\b/);
    const health = all('HEALTHCHECK')[0] ?? '';
    expect(health).toMatch(/--interval=\d+s/);
    expect(health).toMatch(/CMD \["node", "-e", ".*fetch\(.*\/api\/health/);
    const entry = JSON.parse(all('ENTRYPOINT')[0] ?? '[]') as string[];
    expect(entry).toEqual(['node', binPath]);
    expect(all('CMD').at(-1)).toContain('/etc/linegate/plant.yaml');
  });

  it('keeps local state out of the build context', () => {
    const ignore = read('.dockerignore').split('\n');
    for (const p of ['node_modules', '.git', 'data', 'dist']) expect(ignore).toContain(p);
  });
});

describe('systemd unit', () => {
  const text = read('deploy/systemd/linegate.service');
  const unit = parseUnit(text);
  const svc = (key: string) => unit.get('Service')?.get(key) ?? [];

  it('restarts always, as the linegate user in dialout, from the package bin', () => {
    expect(svc('Restart')).toEqual(['always']);
    expect(Number(svc('RestartSec')[0])).toBeGreaterThan(0);
    expect(unit.get('Unit')?.get('StartLimitIntervalSec')).toEqual(['0']);
    expect(svc('User')).toEqual(['linegate']);
    expect(svc('SupplementaryGroups')[0]).toContain('dialout');
    const exec = svc('ExecStart')[0]?.split(/\s+/) ?? [];
    expect(exec[0]).toMatch(/\/node$/);
    expect(exec[1]).toBe(`/opt/linegate/${binPath}`);
    expect(exec.slice(2)).toEqual(['--config', '/etc/linegate/plant.yaml']);
    expect(unit.get('Install')?.get('WantedBy')).toEqual(['multi-user.target']);
  });

  it('stops within a bound longer than the gateway’s own, with limits, a sandbox and the journal', () => {
    const ownBound = Number(
      svc('Environment')
        .find((e) => e.startsWith('LINEGATE_STOP_TIMEOUT_MS='))
        ?.split('=')[1],
    );
    expect(ownBound).toBeGreaterThan(0);
    expect(Number(svc('TimeoutStopSec')[0]) * 1000).toBeGreaterThan(ownBound);
    expect(svc('KillSignal')).toEqual(['SIGTERM']);
    expect(svc('StateDirectory')).toEqual(['linegate']);
    // The RAM tier's tmpfs directory (store.ramTier.dir: /run/linegate) outlives a crash restart.
    expect(svc('RuntimeDirectory')).toEqual(['linegate']);
    expect(svc('RuntimeDirectoryPreserve')).toEqual(['restart']);
    expect(svc('Environment')).toContain('LINEGATE_DATA_DIR=/var/lib/linegate');
    for (const [k, v] of Object.entries(MEMORY_ENV)) expect(svc('Environment')).toContain(`${k}=${v}`);
    expect(svc('Environment')).toContain(`NODE_OPTIONS=${MEMORY_NODE_OPTIONS.join(' ')}`);
    expect(Number(svc('LimitNOFILE')[0])).toBeGreaterThanOrEqual(1024);
    expect(svc('MemoryMax')[0]).toMatch(/^\d+[MG]$/);
    expect(svc('ProtectSystem')).toEqual(['strict']);
    expect(svc('ReadWritePaths')[0]).toContain('/var/lib/linegate');
    expect(svc('NoNewPrivileges')).toEqual(['true']);
    expect(svc('StandardOutput')).toEqual(['journal']);
    // These two would break the gateway: serial adapters hidden, V8's JIT refused.
    expect(svc('PrivateDevices')).toEqual([]);
    expect(svc('MemoryDenyWriteExecute')).toEqual([]);
  });

  const haveAnalyze = requirePeer('systemd-analyze', () => hasCommand('systemd-analyze'), {
    aptPackages: 'systemd',
  });
  it.skipIf(!haveAnalyze)('passes systemd-analyze verify without a warning', () => {
    const r = spawnSync('systemd-analyze', ['verify', join(ROOT, 'deploy/systemd/linegate.service')], {
      encoding: 'utf8',
    });
    const warnings = r.stderr.split('\n').filter((l) => l.includes('linegate.service'));
    expect(warnings).toEqual([]);
  });
});

describe('deploy/install.sh', () => {
  it('is valid bash and, in a dry run, creates the user, the data directory and enables the unit', () => {
    expect(spawnSync('bash', ['-n', join(ROOT, 'deploy/install.sh')]).status).toBe(0);
    const r = spawnSync('bash', [join(ROOT, 'deploy/install.sh'), '--dry-run', '--no-start'], {
      encoding: 'utf8',
    });
    expect(r.status, r.stderr).toBe(0);
    const out = r.stdout;
    expect(out).toMatch(
      /useradd --system .*--groups dialout .*linegate|usermod --append --groups dialout linegate/,
    );
    expect(out).toContain('install -d -o linegate -g linegate -m 0750 /var/lib/linegate');
    expect(out).toContain('npm ci');
    expect(out).toContain('systemctl enable linegate.service');
    expect(out).not.toContain('systemctl restart');
  });
});
