/**
 * Whether a peer (a server binary, a Python module) that an integration suite talks to is
 * installed. `tests/run.sh` installs them; this is the guard for running vitest directly.
 *
 * In CI (CI=true) a missing peer fails the suite: nothing is skipped there. Locally the
 * suite may skip, but only with a loud line on stderr that names what is missing.
 */
import { spawnSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join, relative } from 'node:path';

/** Debian packages that provide each peer, for the install hint. */
const DEBIAN_PACKAGES: Readonly<Record<string, string>> = {
  pymodbus: 'python3-pymodbus python3-serial-asyncio',
  socat: 'socat',
  mosquitto: 'mosquitto',
  influxdb: 'influxdb',
  'victoria-metrics': 'victoria-metrics',
  chromium: 'chromium',
};

export interface RequirePeerOptions {
  /** Names the suite in the skip line; default: the calling test file. */
  suite?: string;
  /** Debian package(s) to install; default: looked up from `name`, else `name`. */
  aptPackages?: string;
}

/**
 * Returns true if `check()` says the peer is there. Otherwise throws when CI=true, and
 * elsewhere writes `SKIPPING <suite>: <name> is not installed (apt-get install …)` to
 * stderr and returns false, for `describe.skipIf(!ok)`.
 */
export function requirePeer(name: string, check: () => boolean, options: RequirePeerOptions = {}): boolean {
  let present: boolean;
  try {
    present = check();
  } catch {
    present = false;
  }
  if (present) return true;
  const suite = options.suite ?? callingFile() ?? 'this suite';
  const packages = options.aptPackages ?? DEBIAN_PACKAGES[name] ?? name;
  const message = `${suite}: ${name} is not installed (apt-get install ${packages}, or run npm test as root)`;
  if (process.env.CI === 'true') {
    throw new Error(`peer missing in CI, not skipping: ${message}`);
  }
  const bar = '!'.repeat(Math.min(100, message.length + 10));
  process.stderr.write(`\n${bar}\nSKIPPING ${message}\n${bar}\n\n`);
  return false;
}

/** True if `command` is an executable file on PATH (or an executable absolute path). */
export function hasCommand(command: string): boolean {
  const candidates = command.includes('/')
    ? [command]
    : (process.env.PATH ?? '').split(delimiter).map((dir) => join(dir, command));
  return candidates.some((file) => {
    try {
      accessSync(file, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

/** True if `python` can import every module in `modules` (bounded: 15 s). */
export function hasPythonModules(python: string, modules: readonly string[]): boolean {
  const result = spawnSync(python, ['-c', `import ${modules.join(', ')}`], {
    stdio: 'ignore',
    timeout: 15_000,
  });
  return result.status === 0;
}

/** The test file that called us (the nearest *.test.ts frame), else the nearest caller. */
function callingFile(): string | undefined {
  const files: string[] = [];
  for (const line of (new Error().stack ?? '').split('\n').slice(1)) {
    const file = line.match(/(?:file:\/\/)?(\/[^():]+\.[cm]?[jt]s):\d+/)?.[1];
    if (file && !file.endsWith('require-peer.ts') && !file.includes('/node_modules/')) files.push(file);
  }
  const file = files.find((f) => /\.test\.[cm]?[jt]s$/.test(f)) ?? files[0];
  return file === undefined ? undefined : relative(process.cwd(), file);
}
