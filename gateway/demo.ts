import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { ConfigError, formatIssue } from '../config/issues.js';
import { loadConfig } from '../config/load.js';
import { packageRoot } from '../config/paths.js';
import type { LinegateConfig } from '../config/types.js';
import { loadPlan } from '../simulators/plan.js';
import { startPlant } from '../simulators/plant.js';

const HELP = `linegate demo — a simulated workshop and the gateway reading it (what \`npm start\` runs)

Usage: linegate demo [--port N] [--config FILE] [--plan FILE]

  -p, --port N      HTTP port (default 8080, or $LINEGATE_PORT)
  -c, --config FILE gateway config (default config/demo.yaml)
      --plan FILE   simulated machines (default simulators/demo-plant.yaml)

The simulators speak real Modbus TCP on 127.0.0.1:15020–15025. Ctrl-C stops both cleanly.`;

type Runner = (
  config: LinegateConfig,
  port: number | undefined,
  before?: () => Promise<() => Promise<void>>,
) => Promise<number>;

export async function runDemo(argv: string[], run: Runner): Promise<number> {
  let values: { port?: string; config?: string; plan?: string; help?: boolean };
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        port: { type: 'string', short: 'p' },
        config: { type: 'string', short: 'c' },
        plan: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n\n${HELP}\n`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(`${HELP}\n`);
    return 0;
  }
  const root = packageRoot();
  let config: LinegateConfig;
  try {
    config = loadConfig(values.config ?? join(root, 'config', 'demo.yaml'));
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.issues.map(formatIssue).join('\n')}\n`);
      return 1;
    }
    throw err;
  }
  const port = values.port === undefined ? undefined : Number(values.port);
  if (port !== undefined && !(Number.isInteger(port) && port >= 0 && port <= 65535)) {
    process.stderr.write(`--port must be 0..65535, got "${values.port}"\n`);
    return 2;
  }
  const plan = loadPlan(values.plan ?? join(root, 'simulators', 'demo-plant.yaml'));
  // The simulators start first, so the gateway's first poll finds them.
  return run(config, port, async () => {
    const plant = await startPlant({
      plan,
      logger: pino({ level: config.log.level, base: { app: 'simulator' } }),
    });
    return () => plant.stop();
  });
}
