import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { DASHBOARD_DEFAULTS } from '../../config/dashboard.js';
import { AuthService } from '../../gateway/auth/auth-service.js';
import { AuditLog } from '../../gateway/store/audit.js';
import { openDatabase } from '../../gateway/store/database.js';
import { CONFIG_YAML } from './harness.js';

/** `linegate user …` as an admin runs it (the built CLI), then the database it wrote. */
const root = join(import.meta.dirname, '..', '..');
const cli = join(root, 'dist', 'gateway', 'cli.js');
if (!existsSync(cli)) throw new Error(`${cli} is missing: run npm run build first (npm test does)`);

const dir = mkdtempSync(join(tmpdir(), 'linegate-user-cli-'));
const cfg = join(dir, 'plant.yaml');
writeFileSync(cfg, `${CONFIG_YAML}dataDir: ${join(dir, 'data')}\n`);
const run = (args: string[], input?: string) =>
  spawnSync(process.execPath, [cli, 'user', ...args], {
    cwd: root,
    encoding: 'utf8',
    input,
    timeout: 30_000,
  });

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('linegate user', () => {
  it('prints help, and refuses a bad role or a missing config with exit 2', () => {
    const help = run(['--help']);
    expect(help.status).toBe(0);
    expect(help.stdout).toMatch(/--password-stdin/);
    expect(help.stdout).toMatch(/no default password/);
    expect(run(['add', 'an', '--role', 'boss', '-c', cfg]).status).toBe(2);
    expect(run(['add', 'an', '--role', 'admin']).status).toBe(2);
    const top = spawnSync(process.execPath, [cli, '--help'], { encoding: 'utf8' });
    expect(top.stdout).toMatch(/linegate user add NAME --role ROLE/);
  }, 60_000);

  it('adds the first admin from stdin; the password signs in, a short one is refused; changes are audited', async () => {
    expect(run(['add', 'an', '--role', 'admin', '-c', cfg, '--password-stdin'], 'short\n').status).toBe(1);
    const add = run(['add', 'an', '--role', 'admin', '-c', cfg, '--password-stdin'], 'mật khẩu dài lắm\n');
    expect(add.status, add.stderr).toBe(0);
    expect(
      run(['add', 'an', '--role', 'admin', '-c', cfg, '--password-stdin'], 'another one 1\n').status,
    ).toBe(1);
    expect(run(['role', 'an', 'manager', '-c', cfg]).status).toBe(0);
    expect(run(['list', '-c', cfg]).stdout).toBe('an\tmanager\n');
    const { db } = openDatabase({ dataDir: join(dir, 'data') });
    try {
      const audit = AuditLog.open(db);
      const auth = AuthService.open({
        db,
        audit,
        config: DASHBOARD_DEFAULTS,
        now: Date.now,
        log: pino({ level: 'silent' }),
      });
      const ok = await auth.login('an', 'mật khẩu dài lắm', '127.0.0.1');
      expect(ok).toMatchObject({ ok: true, user: { name: 'an', role: 'manager' } });
      expect((await auth.login('an', 'short', '127.0.0.1')).ok).toBe(false);
      const changes = audit.list({ action: 'user.' }).map((r) => [r.action, r.actor.startsWith('cli:')]);
      expect(changes).toEqual([
        ['user.change', true],
        ['user.add', true],
      ]);
    } finally {
      db.close();
    }
    expect(run(['remove', 'an', '-c', cfg]).status).toBe(0);
    expect(run(['list', '-c', cfg]).stdout).toBe('');
  }, 120_000);
});
