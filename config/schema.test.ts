import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderSchemas } from './export-schema.js';
import { loadConfig } from './load.js';

const here = import.meta.dirname;

describe('exported JSON Schema', () => {
  it.each(Object.entries(renderSchemas()))('config/%s is up to date (npm run schema)', (name, text) => {
    expect(readFileSync(join(here, name), 'utf8')).toBe(text);
  });
});

describe('example configs are valid', () => {
  const examples = [
    ...readdirSync(join(here, 'examples'))
      .filter((n) => n.endsWith('.yaml'))
      .map((n) => join(here, 'examples', n)),
    join(here, 'demo.yaml'),
  ];
  it.each(examples)('%s', (file) => {
    const cfg = loadConfig(file, { env: { LINEGATE_DEMO_PORT: '8080' } });
    expect(cfg.machines.length).toBeGreaterThan(0);
    for (const m of cfg.machines) expect(m.points.length).toBeGreaterThan(0);
    expect(Object.isFrozen(cfg.machines[0])).toBe(true);
  });
});
