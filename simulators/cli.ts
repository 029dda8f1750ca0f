import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import pino, { type Logger } from 'pino';
import { QUIET } from './machines/index.js';
import { loadPlan } from './plan.js';
import { startPlant } from './plant.js';

/**
 * `linegate simulate`: start the simulated machines of a plan and run until SIGINT/SIGTERM (or
 * --duration). Prints one line per machine for the human; everything else goes to the pino log
 * on stderr.
 */

const USAGE = `Usage: linegate simulate [options]

Starts simulated food-workshop machines (tea dryer and roaster, rice-crust fryer, vacuum sealer,
packing machine, rice former, checkweigher, kWh meter) that speak real Modbus TCP or RTU, with
behaviour from their profiles in devices/. Stop with Ctrl-C.

Options:
  --plan <file>      the plant plan (default: simulators/demo-plant.yaml)
  --quiet            no random stops, idle spells or faults (steady machines)
  --duration <s>     stop after this many seconds (default: run until Ctrl-C)
  --log-level <lvl>  pino level for the log on stderr (default: info)
  -h, --help         show this text

Each machine line shows: machine id, kind, profile, and where it answers
(tcp://host:port unit N, or rtu:path@baud-format unit N).`;

export interface SimulateDeps {
  readonly logger?: Logger;
  /** Where the human summary goes; default stdout. */
  readonly print?: (line: string) => void;
  /** Stops the run early (tests). */
  readonly signal?: AbortSignal;
}

export async function runSimulateCommand(argv: string[], deps: SimulateDeps = {}): Promise<number> {
  const print = deps.print ?? ((line: string) => console.log(line));
  let args: ReturnType<typeof parse>;
  const parse = (a: string[]) =>
    parseArgs({
      args: a,
      options: {
        plan: { type: 'string' },
        quiet: { type: 'boolean' },
        duration: { type: 'string' },
        'log-level': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  try {
    args = parse(argv);
  } catch (err) {
    print(`linegate simulate: ${(err as Error).message}\n\n${USAGE}`);
    return 2;
  }
  const { values } = args;
  if (values.help) {
    print(USAGE);
    return 0;
  }
  const duration = values.duration === undefined ? undefined : Number(values.duration);
  if (duration !== undefined && !(duration > 0)) {
    print(`linegate simulate: --duration must be a positive number of seconds, got "${values.duration}"`);
    return 2;
  }
  const logger =
    deps.logger ?? pino({ name: 'simulator', level: values['log-level'] ?? 'info' }, pino.destination(2));
  const planFile = values.plan ?? defaultPlanFile();

  let plant: Awaited<ReturnType<typeof startPlant>>;
  try {
    const plan = loadPlan(planFile);
    plant = await startPlant({ plan, logger, ...(values.quiet ? { behaviour: QUIET } : {}) });
  } catch (err) {
    print(`linegate simulate: ${(err as Error).message}`);
    return 1;
  }

  print(`Simulated machines from ${planFile}:`);
  const rows = [...plant.machines.values()].map((m) => [m.id, m.kind, m.profile.id, m.where]);
  const widths = [0, 1, 2].map((i) => Math.max(...rows.map((r) => r[i]?.length ?? 0)));
  for (const r of rows) print(`  ${r.map((c, i) => (i < 3 ? c.padEnd(widths[i] ?? 0) : c)).join('  ')}`);
  print('Press Ctrl-C to stop.');

  await waitForEnd(duration, deps.signal);
  await plant.stop();
  return 0;
}

function waitForEnd(durationS: number | undefined, signal: AbortSignal | undefined): Promise<void> {
  return new Promise<void>((done) => {
    let timer: NodeJS.Timeout | undefined;
    const finish = (): void => {
      process.removeListener('SIGINT', finish);
      process.removeListener('SIGTERM', finish);
      signal?.removeEventListener('abort', finish);
      if (timer) clearTimeout(timer);
      done();
    };
    process.once('SIGINT', finish);
    process.once('SIGTERM', finish);
    signal?.addEventListener('abort', finish, { once: true });
    if (signal?.aborted) finish();
    if (durationS !== undefined) timer = setTimeout(finish, durationS * 1000);
  });
}

/** simulators/demo-plant.yaml from the working directory, else next to this module (src or dist). */
function defaultPlanFile(): string {
  const candidates = [
    resolve('simulators/demo-plant.yaml'),
    fileURLToPath(new URL('./demo-plant.yaml', import.meta.url)),
    fileURLToPath(new URL('../../simulators/demo-plant.yaml', import.meta.url)),
  ];
  return candidates.find((f) => existsSync(f)) ?? candidates[0] ?? 'simulators/demo-plant.yaml';
}
