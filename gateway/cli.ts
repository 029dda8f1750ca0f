#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { type Logger, pino } from 'pino';
import { ConfigError, formatIssue } from '../config/issues.js';
import { loadConfig } from '../config/load.js';
import type { LinegateConfig } from '../config/types.js';
import { planMemoryReexec } from './cli/memory-reexec.js';
import { isLinegateError } from './core/errors.js';
import { startGateway, VERSION } from './main.js';
import { applyMemoryV8Flags } from './runtime/memory-settings.js';

const HELP = `linegate ${VERSION} — edge gateway for small food production lines

Usage:
  linegate --config plant.yaml [--port N]   run the gateway with a site config
  linegate check-config plant.yaml          check a config (and its profiles) and exit
  linegate simulate [--plan FILE]           run simulated machines (Modbus TCP/RTU) standalone
  linegate demo [--port N]                  simulated workshop + gateway (what \`npm start\` runs)
  linegate backup FILE --config plant.yaml   copy the database (online, while running) and the
                                            config into one file
  linegate restore FILE [--data-dir DIR]     put a backup in place (refused while a gateway runs
                                            on that data directory); see \`linegate backup --help\`
  linegate mqtt-passwd [--help]             read a password on stdin, print its scrypt hash for
                                            mqtt.broker.users[].passwordHash
  linegate user add NAME --role ROLE -c plant.yaml
                                            dashboard users (add|passwd|role|remove|list;
                                            linegate user --help)
  linegate --help | --version

Options:
  -c, --config FILE   site config (YAML); \${ENV} references are filled from the environment
  -p, --port N        HTTP port (overrides http.port; 0 = any free port)
  -h, --help          this text

Environment:
  LOG_LEVEL           fatal|error|warn|info|debug|trace (overrides log.level)
  LINEGATE_STOP_TIMEOUT_MS   bound on a stop after SIGTERM/SIGINT (default 8000): buffered
                      samples are committed first, then whatever still hangs is cut
  LINEGATE_MEMORY_SETTINGS=off   run without the memory settings linegate sets for itself
                      (MALLOC_*, --max-semi-space-size, --heap-growing-percent,
                      --optimize-for-size; docs/footprint.md)
  LINEGATE_HEAP_GROWING_PERCENT  old-generation growth before a major GC (default 30; 0 = V8's)
  LINEGATE_OPTIMIZE_FOR_SIZE=0   run without V8's --optimize-for-size (on by default: less RSS
                      for a little more CPU)

Signals: SIGHUP reloads the config file (an invalid one is refused, the running one stays);
SIGINT/SIGTERM stop cleanly.

Exit codes: 0 ok (also after a clean stop on SIGTERM/SIGINT), 1 invalid config, start failure
or a stop that overran its bound, 2 bad command line.
Docs: README.md; the annotated example config is config/examples/plant.yaml.`;

/** Set when `linegate run` started without the memory settings and could not restart with them. */
let memoryHint: string | null = null;

/**
 * `linegate run`: restart once, in place, with the shipped memory settings when they are missing
 * (cli/memory-reexec.ts); where Node cannot, remember a hint for the log.
 */
function applyMemorySettings(): void {
  const execve = (
    process as unknown as { execve?: (file: string, args: string[], env: NodeJS.ProcessEnv) => never }
  ).execve;
  const plan = planMemoryReexec({
    env: process.env,
    execPath: process.execPath,
    execArgv: process.execArgv,
    argv: process.argv,
    canExecve: typeof execve === 'function',
  });
  if (plan.kind === 'exec' && execve) execve.call(process, plan.file, plan.args, plan.env);
  if (plan.kind === 'hint') memoryHint = plan.missing;
  applyMemoryV8Flags();
}

function makeLogger(level: string): Logger {
  return pino({ level: process.env.LOG_LEVEL ?? level, base: { app: 'linegate' } });
}

function fail(msg: string, code = 1): number {
  process.stderr.write(`${msg}\n`);
  return code;
}

function loadOrReport(file: string): LinegateConfig | number {
  try {
    return loadConfig(file);
  } catch (err) {
    if (err instanceof ConfigError) return fail(err.issues.map(formatIssue).join('\n'));
    throw err;
  }
}

async function runUntilSignal(
  config: LinegateConfig,
  port: number | undefined,
  before?: () => Promise<() => Promise<void>>,
): Promise<number> {
  const cfg: LinegateConfig = port === undefined ? config : { ...config, http: { ...config.http, port } };
  const log = makeLogger(cfg.log.level);
  if (memoryHint)
    log.info(
      { settings: memoryHint },
      'started without the memory settings linegate ships with (docs/footprint.md): start it with them set (the systemd unit and the Docker image do), or on Node 22.15+ it sets them itself',
    );
  const stopExtra = before ? await before() : async () => {};
  let gw: Awaited<ReturnType<typeof startGateway>>;
  try {
    gw = await startGateway(cfg, log);
  } catch (err) {
    await stopExtra();
    if (isLinegateError(err)) return fail(`${err.code}: ${err.message}`);
    throw err;
  }
  return new Promise<number>((resolve) => {
    let stopping = false;
    const onSignal = (sig: NodeJS.Signals) => {
      if (stopping) {
        log.warn({ signal: sig }, 'second signal: exiting now');
        process.exit(130);
      }
      stopping = true;
      const boundMs = stopBoundMs();
      log.info({ signal: sig, boundMs }, 'stopping');
      // The store is flushed early in stop() (after the sources, before the sinks wind down);
      // whatever hangs after that (a sink request, a client holding a stream) is cut at the bound.
      const bound = setTimeout(() => {
        log.error({ boundMs }, 'stop took longer than the bound: exiting anyway');
        resolve(1);
      }, boundMs);
      bound.unref();
      void gw
        .stop()
        .then(stopExtra)
        .then(
          () => {
            clearTimeout(bound);
            log.info('stopped cleanly');
            resolve(0);
          },
          (err: unknown) => {
            clearTimeout(bound);
            log.error({ err }, 'stop failed');
            resolve(1);
          },
        );
    };
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    // SIGHUP (systemctl reload): read the config file again; an invalid one is refused and logged.
    process.on('SIGHUP', () => {
      if (!stopping) void gw.reload('signal');
    });
  });
}

/** Longest a stop on SIGTERM/SIGINT may take (LINEGATE_STOP_TIMEOUT_MS, default 8 s). */
const DEFAULT_STOP_BOUND_MS = 8000;

function stopBoundMs(): number {
  const n = Number(process.env.LINEGATE_STOP_TIMEOUT_MS);
  return Number.isInteger(n) && n > 0 ? n : DEFAULT_STOP_BOUND_MS;
}

function portOption(v: string | undefined): number | undefined | Error {
  if (v === undefined) return undefined;
  const n = Number(v);
  return Number.isInteger(n) && n >= 0 && n <= 65535 ? n : new Error(`--port must be 0..65535, got "${v}"`);
}

export async function main(argv: string[]): Promise<number> {
  const [first, ...rest] = argv;
  if (first === 'simulate') {
    const { runSimulateCommand } = await import('../simulators/cli.js');
    return runSimulateCommand(rest);
  }
  if (first === 'mqtt-passwd') {
    const { runMqttPasswd } = await import('./cli/mqtt-passwd.js');
    return runMqttPasswd(rest);
  }
  if (first === 'backup' || first === 'restore') {
    const { runBackupCommand } = await import('./cli/backup.js');
    return runBackupCommand(first, rest, VERSION);
  }
  if (first === 'user') {
    const { runUserCommand } = await import('./cli/user.js');
    return runUserCommand(rest);
  }
  if (first === 'demo') {
    const { runDemo } = await import('./demo.js');
    return runDemo(rest, runUntilSignal);
  }
  let parsed: ReturnType<typeof parse>;
  const parse = (args: string[]) =>
    parseArgs({
      args,
      allowPositionals: true,
      options: {
        config: { type: 'string', short: 'c' },
        port: { type: 'string', short: 'p' },
        help: { type: 'boolean', short: 'h' },
        version: { type: 'boolean', short: 'v' },
      },
    });
  try {
    parsed = parse(first === 'check-config' || first === 'run' ? rest : argv);
  } catch (err) {
    return fail(`${(err as Error).message}\n\n${HELP}`, 2);
  }
  const { values, positionals } = parsed;
  if (values.help) {
    process.stdout.write(`${HELP}\n`);
    return 0;
  }
  if (values.version) {
    process.stdout.write(`${VERSION}\n`);
    return 0;
  }
  const file = values.config ?? positionals[0];
  if (!file) return fail(`no config file given\n\n${HELP}`, 2);
  const port = portOption(values.port);
  if (port instanceof Error) return fail(port.message, 2);
  if (first !== 'check-config') applyMemorySettings();
  const config = loadOrReport(file);
  if (typeof config === 'number') return config;
  if (first === 'check-config') {
    const points = config.machines.reduce((n, m) => n + m.points.length, 0);
    process.stdout.write(
      `${file}: OK — site ${config.site.id}, ${config.lines.length} line(s), ${config.machines.length} machine(s), ${points} point(s)\n`,
    );
    return 0;
  }
  return runUntilSignal(config, port);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exit(code);
  },
  (err: unknown) => {
    process.stderr.write(
      `linegate: unexpected error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
    );
    process.exit(1);
  },
);
