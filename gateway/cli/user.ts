import { userInfo } from 'node:os';
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { ConfigError, formatIssue } from '../../config/issues.js';
import { loadConfig } from '../../config/load.js';
import { dashboardConfig } from '../api/dashboard.js';
import { AuthService } from '../auth/auth-service.js';
import { isRole } from '../auth/user-store.js';
import { AuditLog } from '../store/audit.js';
import { openDatabase } from '../store/database.js';
import { readPassword } from './mqtt-passwd.js';

const HELP = `linegate user — dashboard users, in the gateway's local database

Usage:
  linegate user add NAME --role ROLE -c plant.yaml [--password-stdin]
  linegate user passwd NAME -c plant.yaml [--password-stdin]
  linegate user role NAME ROLE -c plant.yaml
  linegate user remove NAME -c plant.yaml
  linegate user list -c plant.yaml

  ROLE              operator | manager | technician | admin
  -c, --config FILE the site config (its dataDir holds the database), e.g. config/demo.yaml
  --password-stdin  read the password from the first line of stdin (for scripts);
                    otherwise it is asked for on the terminal, not shown

There is no default user and no default password: make the first admin with
  npx linegate user add an --role admin -c config/demo.yaml
(or use the one-time setup token the gateway logs at its first start when no user exists).
Passwords: at least 8 characters, kept only as a salted scrypt hash. Every change is written to
the audit trail (actor cli:<your login>). Works while the gateway runs (SQLite WAL).`;

export async function runUserCommand(argv: string[]): Promise<number> {
  let parsed: ReturnType<typeof parse>;
  const parse = (args: string[]) =>
    parseArgs({
      args,
      allowPositionals: true,
      options: {
        config: { type: 'string', short: 'c' },
        role: { type: 'string', short: 'r' },
        'password-stdin': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  try {
    parsed = parse(argv);
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n\n${HELP}\n`);
    return 2;
  }
  const { values, positionals } = parsed;
  const [verb, name, extra] = positionals;
  if (values.help || verb === undefined) {
    process.stdout.write(`${HELP}\n`);
    return values.help ? 0 : 2;
  }
  const usage = (msg: string) => {
    process.stderr.write(`${msg}\n\n${HELP}\n`);
    return 2;
  };
  if (!['add', 'passwd', 'role', 'remove', 'list'].includes(verb)) return usage(`unknown command "${verb}"`);
  if (verb !== 'list' && !name) return usage('give a user name');
  if (!values.config) return usage('give the site config with -c FILE');
  const role = verb === 'role' ? extra : values.role;
  if ((verb === 'add' || verb === 'role') && !isRole(role))
    return usage(`--role must be operator, manager, technician or admin (got "${role ?? ''}")`);
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig(values.config);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.issues.map(formatIssue).join('\n')}\n`);
      return 1;
    }
    throw err;
  }
  const { db } = openDatabase({ dataDir: config.dataDir });
  try {
    const audit = AuditLog.open(db);
    const auth = AuthService.open({
      db,
      audit,
      config: dashboardConfig(config),
      now: Date.now,
      log: pino({ level: 'silent' }),
    });
    const actor = `cli:${userInfo().username}`;
    if (verb === 'list') {
      for (const u of auth.users.list()) process.stdout.write(`${u.name}\t${u.role}\n`);
      return 0;
    }
    const user = name as string;
    if (verb === 'remove') {
      if (!auth.users.remove(user)) return fail(`no user "${user}"`);
      auth.sessions.deleteForUser(user);
      auth.audit(actor, 'user.remove', user, 'ok');
      process.stdout.write(`removed ${user}\n`);
      return 0;
    }
    if (verb === 'role') {
      if (!isRole(role) || !auth.users.setRole(user, role)) return fail(`no user "${user}"`);
      auth.audit(actor, 'user.change', user, 'ok', { role });
      process.stdout.write(`${user} is now ${role}\n`);
      return 0;
    }
    if (verb === 'add' && auth.users.get(user)) return fail(`user "${user}" exists (use passwd or role)`);
    if (verb === 'passwd' && !auth.users.get(user)) return fail(`no user "${user}"`);
    if (!values['password-stdin'] && process.stdin.isTTY !== true)
      return usage('no terminal to ask the password on: use --password-stdin');
    const password = await readPassword();
    const problem = auth.userProblem(user, password);
    if (problem) return fail(problem);
    if (verb === 'add' && isRole(role)) {
      auth.users.add(user, role, password);
      auth.audit(actor, 'user.add', user, 'ok', { role });
      process.stdout.write(`added ${user} (${role})\n`);
    } else {
      auth.users.setPassword(user, password);
      auth.sessions.deleteForUser(user);
      auth.audit(actor, 'user.change', user, 'ok', { password: 'changed' });
      process.stdout.write(`new password for ${user}\n`);
    }
    return 0;
  } finally {
    db.close();
  }
}

function fail(msg: string): number {
  process.stderr.write(`${msg}\n`);
  return 1;
}
