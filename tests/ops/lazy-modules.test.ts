import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { hashPassword } from '../../gateway/sources/mqtt/password.js';
import { CLI, requireBuiltCli } from '../helpers/cli-gateway.js';
import { freePort } from '../peers/free-port.js';

/**
 * Resident memory (docs/footprint.md): the built gateway loads a client library only when the
 * config uses it. A module-load hook in the gateway process records every package it loads (a
 * load, not a resolve: `import.meta.resolve` of a package loads nothing);
 * the gateway runs with a config that has no Modbus, no MQTT, no sinks and no notifiers, answers
 * /api/health, and is stopped.
 */
const dir = mkdtempSync(join(tmpdir(), 'linegate-lazy-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const LAZY = [
  'modbus-serial',
  'serialport',
  'aedes',
  'mqtt',
  'ws',
  'nodemailer',
  '@influxdata/influxdb-client',
  'prom-client', // loaded by the first scrape of /metrics (metrics/lazy-metrics.ts)
];

/** `ready`: also waited for (bounded, like the health check) before the gateway is stopped. */
async function packagesLoaded(
  configYaml: string,
  ready: () => Promise<boolean> = async () => true,
): Promise<Set<string>> {
  requireBuiltCli();
  const log = join(dir, `resolved-${Math.random().toString(36).slice(2)}.txt`);
  writeFileSync(
    join(dir, 'hook.mjs'),
    `import { appendFileSync } from 'node:fs';
export async function load(url, ctx, next) {
  if (url.includes('/node_modules/')) appendFileSync(process.env.RESOLVE_LOG, url + '\\n');
  return next(url, ctx);
}
`,
  );
  writeFileSync(
    join(dir, 'register.mjs'),
    `import { register } from 'node:module';\nregister(${JSON.stringify(`file://${join(dir, 'hook.mjs')}`)});\n`,
  );
  const file = join(dir, 'plant.yaml');
  const port = await freePort();
  writeFileSync(file, configYaml.replace('PORT', String(port)).replace('DATA', join(dir, 'data')));
  const child = spawn(process.execPath, ['--import', join(dir, 'register.mjs'), CLI, '--config', file], {
    env: { ...process.env, RESOLVE_LOG: log, LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let err = '';
  child.stderr.on('data', (d) => {
    err += d;
  });
  const exited = new Promise((r) => child.once('exit', r));
  try {
    const t0 = Date.now();
    for (;;) {
      if (child.exitCode !== null) throw new Error(`the gateway exited: ${err}`);
      if (Date.now() - t0 > 30_000) throw new Error(`no answer within 30 s: ${err}`);
      const ok = await fetch(`http://127.0.0.1:${port}/api/health`).then(
        (r) => r.ok,
        () => false,
      );
      if (ok && (await ready())) break;
      await new Promise((r) => setTimeout(r, 100));
    }
  } finally {
    child.kill('SIGTERM');
    await exited;
  }
  const pkgs = new Set<string>();
  for (const url of readFileSync(log, 'utf8').split('\n')) {
    const m = /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url);
    if (m?.[1]) pkgs.add(m[1]);
  }
  return pkgs;
}

/** Whether a TCP listener answers on the port (the broker is up). */
function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1');
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

describe('client libraries load only when the config uses them', () => {
  it('a config without Modbus, MQTT, sinks or notifiers loads none of them', async () => {
    const pkgs = await packagesLoaded(`site: { id: s, name: S }
lines: [{ id: l, name: L }]
machines: []
http: { host: 127.0.0.1, port: PORT }
dataDir: DATA
`);
    expect(pkgs.has('fastify'), 'the hook saw the packages that are loaded').toBe(true);
    expect(pkgs.has('better-sqlite3')).toBe(true);
    for (const p of LAZY) expect(pkgs.has(p), `${p} loaded`).toBe(false);
  }, 60_000);

  it('the embedded broker alone (TCP, no WebSocket, no external broker) loads aedes, not mqtt.js or ws', async () => {
    const brokerPort = await freePort();
    const pkgs = await packagesLoaded(
      `site: { id: s, name: S }
lines: [{ id: l, name: L }]
machines: []
mqtt:
  broker:
    host: 127.0.0.1
    port: ${brokerPort}
    users:
      - username: dev
        passwordHash: '${hashPassword('a-long-secret-1')}'
        publish: ['htx/{username}/#']
http: { host: 127.0.0.1, port: PORT }
dataDir: DATA
`,
      () => listening(brokerPort),
    );
    expect(pkgs.has('aedes')).toBe(true);
    for (const p of ['mqtt', 'ws', 'modbus-serial', 'serialport'])
      expect(pkgs.has(p), `${p} loaded`).toBe(false);
  }, 60_000);
});
