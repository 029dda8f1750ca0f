import { type FSWatcher, watch } from 'node:fs';
import { basename, dirname } from 'node:path';
import type { Logger } from 'pino';
import { ConfigError, formatIssue } from '../../config/issues.js';
import type { LinegateConfig } from '../../config/types.js';
import { type ConfigDiff, diffConfig, keepRestartOnly } from './config-diff.js';

/** One part of the running gateway that follows the config: it applies a validated new one. */
export type ReconfigureFn = (
  next: LinegateConfig,
  prev: LinegateConfig,
  diff: ConfigDiff,
) => void | Promise<void>;

export type ReloadTrigger = 'signal' | 'watch' | 'api' | 'test';

export interface ReloadResult {
  /** applied: the new config runs; unchanged: nothing differed; refused: invalid, the old one runs. */
  readonly result: 'applied' | 'unchanged' | 'refused';
  readonly trigger: ReloadTrigger;
  readonly at: number;
  /** Refused: the error code (LG_CONFIG_INVALID, LG_CONFIG_YAML, LG_CONFIG_READ, LG_CONFIG_ENV). */
  readonly code?: string;
  /** Refused: one `file:line path: reason` per problem. */
  readonly issues: readonly string[];
  /** Applied: parts that threw while applying it (the rest was applied; see the log). */
  readonly failedParts: readonly { part: string; message: string }[];
  readonly changes: ReloadChanges | null;
}

export interface ReloadChanges {
  readonly machinesAdded: readonly string[];
  readonly machinesRemoved: readonly string[];
  readonly machinesChanged: readonly string[];
  readonly sinksAdded: readonly string[];
  readonly sinksRemoved: readonly string[];
  readonly sinksChanged: readonly string[];
  readonly restartNeeded: readonly string[];
}

/** For GET /api/health: how many reloads, the last one. */
export interface ReloadStatus {
  readonly count: number;
  readonly refused: number;
  readonly watching: boolean;
  readonly last: ReloadResult | null;
}

export interface ReloaderDeps {
  readonly config: LinegateConfig;
  /** Reads and validates the config file again; throws ConfigError when it is invalid. */
  readonly load: () => LinegateConfig;
  readonly log: Logger;
  readonly now?: () => number;
}

function changesOf(d: ConfigDiff): ReloadChanges {
  return {
    machinesAdded: d.machines.added,
    machinesRemoved: d.machines.removed,
    machinesChanged: d.machines.changed,
    sinksAdded: d.sinks.added,
    sinksRemoved: d.sinks.removed,
    sinksChanged: d.sinks.changed,
    restartNeeded: d.restartNeeded,
  };
}

/**
 * Hot reload: holds the running config and hands a validated new one to every registered part,
 * in registration order, without restarting the process. What stays open across a reload
 * (store, sinks' cursors, HTTP) is up to each part; the reloader only sequences.
 *
 * Calling rules: `register()` the parts while starting (main.ts first registers persistence, then
 * acquisition; a part registered later sees the machines already running). `reload()` may be
 * called any time after start, from any trigger; reloads run one at a time (a reload asked for
 * while one runs waits for it). An invalid file is refused: nothing is applied, the error is
 * logged with file:line and returned. A part that throws is logged and reported; the others are
 * still applied and the new config is current (it was valid). `http`, `dataDir`, `store` and `log`
 * are kept from the running config (a warning says a restart applies them). `stop()` ends the
 * file watch and waits for a reload in progress.
 */
export class Reloader {
  private current: LinegateConfig;
  private readonly parts: { name: string; apply: ReconfigureFn }[] = [];
  private chain: Promise<unknown> = Promise.resolve();
  private count = 0;
  private refused = 0;
  private last: ReloadResult | null = null;
  private watcher: FSWatcher | null = null;
  private debounce: NodeJS.Timeout | null = null;
  private readonly now: () => number;
  private readonly log: Logger;
  private stopped = false;

  constructor(private readonly deps: ReloaderDeps) {
    this.current = deps.config;
    this.now = deps.now ?? Date.now;
    this.log = deps.log.child({ part: 'reload' });
  }

  /** The config running now (the view reads it on every request). */
  get config(): LinegateConfig {
    return this.current;
  }

  register(name: string, apply: ReconfigureFn): void {
    this.parts.push({ name, apply });
  }

  status(): ReloadStatus {
    return { count: this.count, refused: this.refused, watching: this.watcher !== null, last: this.last };
  }

  reload(trigger: ReloadTrigger): Promise<ReloadResult> {
    const run = this.chain.then(() => this.reloadNow(trigger));
    this.chain = run.catch(() => {});
    return run;
  }

  /** Starts or ends the file watch as `config.reload.watch` says (at start and after each reload). */
  follow(config: LinegateConfig): void {
    if (config.reload?.watch) this.watch(config.file, config.reload.debounceMs);
    else this.unwatch();
  }

  private unwatch(): void {
    this.watcher?.close();
    this.watcher = null;
    if (this.debounce) clearTimeout(this.debounce);
    this.debounce = null;
  }

  /** Reloads `debounceMs` after the last change of the config file (editors write several times). */
  watch(file: string, debounceMs: number): void {
    if (this.watcher) return;
    const name = basename(file);
    // The folder, not the file: editors save by writing a new file and renaming it over the old.
    this.watcher = watch(dirname(file), (_event, changed) => {
      if (changed !== null && changed !== name) return;
      if (this.debounce) clearTimeout(this.debounce);
      this.debounce = setTimeout(() => {
        this.debounce = null;
        void this.reload('watch');
      }, debounceMs);
    });
    this.watcher.on('error', (err) =>
      this.log.warn({ err }, 'config file watch failed; SIGHUP still reloads'),
    );
    this.log.info({ file, debounceMs }, 'watching the config file');
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.unwatch();
    await this.chain;
  }

  private async reloadNow(trigger: ReloadTrigger): Promise<ReloadResult> {
    const at = this.now();
    const prev = this.current;
    if (this.stopped) return { result: 'unchanged', trigger, at, issues: [], failedParts: [], changes: null };
    let loaded: LinegateConfig;
    try {
      loaded = this.deps.load();
    } catch (err) {
      const issues =
        err instanceof ConfigError ? err.issues.map(formatIssue) : [(err as Error).message ?? String(err)];
      const code = (err as { code?: string }).code ?? 'LG_CONFIG_READ';
      this.refused++;
      this.last = { result: 'refused', code, trigger, at, issues, failedParts: [], changes: null };
      this.log.error(
        { trigger, issues, code },
        `config reload refused, the running config stays:\n${issues.join('\n')}`,
      );
      return this.last;
    }
    const diff = diffConfig(prev, loaded);
    const next = keepRestartOnly(prev, loaded);
    if (diff.none) {
      this.last = { result: 'unchanged', trigger, at, issues: [], failedParts: [], changes: null };
      this.log.info({ trigger }, 'config reload: nothing changed');
      return this.last;
    }
    if (diff.restartNeeded.length > 0)
      this.log.warn(
        { keys: diff.restartNeeded },
        'config reload: these settings take effect at the next restart',
      );
    this.current = next;
    const failedParts: { part: string; message: string }[] = [];
    for (const p of this.parts) {
      try {
        await p.apply(next, prev, diff);
      } catch (err) {
        failedParts.push({ part: p.name, message: (err as Error).message });
        this.log.error({ err, part: p.name }, 'config reload: a part failed to apply the new config');
      }
    }
    this.count++;
    if (!this.stopped) this.follow(next);
    const changes = changesOf(diff);
    this.last = { result: 'applied', trigger, at, issues: [], failedParts, changes };
    this.log.info({ trigger, count: this.count, ...changes }, 'config reloaded');
    return this.last;
  }
}
