import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../config/issues.js';
import { loadConfig } from '../config/load.js';

/**
 * Golden broken configs, Telegraf-style: tests/config-errors/<case>/{plant.yaml, init.err}.
 * init.err is the exact text a technician sees. Set UPDATE_GOLDEN=1 to write missing ones
 * (then read every new file before committing it).
 */
const dir = join(import.meta.dirname, 'config-errors');
const cases = readdirSync(dir).filter((n) => !n.startsWith('_') && existsSync(join(dir, n, 'plant.yaml')));

describe('config errors (golden init.err)', () => {
  it('has cases', () => expect(cases.length).toBeGreaterThanOrEqual(15));
  it.each(cases)('%s', (name) => {
    const file = relative(process.cwd(), join(dir, name, 'plant.yaml'));
    let message = '';
    try {
      loadConfig(file, { profileDirs: [join(dir, '_profiles')], env: {} });
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      message = (err as Error).message;
    }
    expect(message, 'the config was accepted').not.toBe('');
    const golden = join(dir, name, 'init.err');
    if (!existsSync(golden) && process.env.UPDATE_GOLDEN === '1') writeFileSync(golden, `${message}\n`);
    expect(`${message}\n`).toBe(readFileSync(golden, 'utf8'));
  });
});
