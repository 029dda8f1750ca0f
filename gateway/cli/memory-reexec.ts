import { MEMORY_SETTINGS_OPT_OUT, withMemorySettings } from '../runtime/memory-settings.js';

/**
 * `linegate run` started without the shipped memory settings (say `npx linegate run` on a Pi,
 * where neither the systemd unit nor the Docker image set them) restarts itself once with them,
 * in the same process (execve: same pid, no second Node process). glibc reads MALLOC_* and V8
 * its heap sizes only at start, so they cannot be applied later.
 *
 * Only where Node has `process.execve` (22.15+, 23.11+; not Windows); on older Node the CLI
 * logs how to start with them instead. Opt-out: LINEGATE_MEMORY_SETTINGS=off.
 */
export type MemoryReexec =
  | { readonly kind: 'none' }
  | { readonly kind: 'exec'; readonly file: string; readonly args: string[]; readonly env: NodeJS.ProcessEnv }
  | { readonly kind: 'hint'; readonly missing: string };

/** Marks the restarted process, so that it never restarts again whatever it finds. */
const REEXECED = 'LINEGATE_MEMORY_REEXECED';

/** Pure: what to do, from the process's environment, flags and Node's abilities. */
export function planMemoryReexec(p: {
  readonly env: NodeJS.ProcessEnv;
  readonly execPath: string;
  readonly execArgv: readonly string[];
  readonly argv: readonly string[];
  readonly canExecve: boolean;
}): MemoryReexec {
  if (p.env[MEMORY_SETTINGS_OPT_OUT] === 'off' || p.env[REEXECED] === '1') return { kind: 'none' };
  const wanted = withMemorySettings(p.env);
  const missing: string[] = [];
  for (const [k, v] of Object.entries(wanted)) {
    if (k === 'NODE_OPTIONS' || p.env[k] !== undefined) continue;
    missing.push(`${k}=${v}`);
  }
  // A flag on the command line counts as set (it wins over NODE_OPTIONS anyway).
  const flagsOnCommandLine = p.execArgv.join(' ').replaceAll('_', '-');
  const options = (wanted.NODE_OPTIONS ?? '').split(' ').filter(Boolean);
  const givenOptions = (p.env.NODE_OPTIONS ?? '').split(' ').filter(Boolean);
  const addedOptions = options.filter(
    (o) => !givenOptions.includes(o) && !flagsOnCommandLine.includes(o.split('=')[0] ?? o),
  );
  if (addedOptions.length > 0) missing.push(`NODE_OPTIONS=${options.join(' ')}`);
  if (missing.length === 0) return { kind: 'none' };
  if (!p.canExecve) return { kind: 'hint', missing: missing.join(' ') };
  return {
    kind: 'exec',
    file: p.execPath,
    args: [p.execPath, ...p.execArgv, ...p.argv.slice(1)],
    env: { ...wanted, [REEXECED]: '1' },
  };
}
