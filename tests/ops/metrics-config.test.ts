import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../config/issues.js';
import { loadConfigText } from '../../config/load.js';
import { startGateway } from '../../gateway/main.js';

const yaml = (extra: string, dataDir = '/tmp/unused') => `site: { id: s, name: S }
lines: [{ id: l, name: L }]
machines: []
http: { host: 127.0.0.1, port: 0 }
dataDir: ${dataDir}
${extra}`;

describe('metrics: config key', () => {
  it('defaults to enabled and public; takes read; refuses anything else with the path', () => {
    expect(loadConfigText(yaml(''), 'p.yaml', { env: {} }).metrics).toEqual({
      enabled: true,
      access: 'public',
    });
    expect(loadConfigText(yaml('metrics: { access: read }'), 'p.yaml', { env: {} }).metrics).toEqual({
      enabled: true,
      access: 'read',
    });
    let err: unknown;
    try {
      loadConfigText(yaml('metrics: { access: everyone }'), 'p.yaml', { env: {} });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).issues[0]?.path).toContain('metrics');
  });

  it('enabled: false → GET /metrics answers 404 with a code', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'linegate-metrics-off-'));
    const gw = await startGateway(
      loadConfigText(yaml('metrics: { enabled: false }', dir), 'p.yaml', { env: {} }),
      pino({ level: 'silent' }),
    );
    try {
      const r = await fetch(`${gw.url}/metrics`);
      expect(r.status).toBe(404);
      expect(await r.json()).toMatchObject({ code: 'LG_NOT_FOUND' });
    } finally {
      await gw.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
