import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { requirePeer } from '../peers/require-peer.js';
import { type Harness, harness, PASSWORD } from './harness.js';

/** dashboard.tls: the API over HTTPS with a certificate made here by openssl; Secure cookie, HSTS. */
const ok = requirePeer('openssl', () => spawnSync('openssl', ['version']).status === 0, {
  aptPackages: 'openssl',
});

describe.skipIf(!ok)('TLS', () => {
  const dir = mkdtempSync(join(tmpdir(), 'linegate-tls-'));
  let h: Harness | null = null;
  afterAll(async () => {
    await h?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves HTTPS, marks the session cookie Secure and sends HSTS', async () => {
    const cert = join(dir, 'c.pem');
    const key = join(dir, 'k.pem');
    const r = spawnSync('openssl', [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-keyout',
      key,
      '-out',
      cert,
      '-days',
      '1',
      '-subj',
      '/CN=127.0.0.1',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
    ]);
    expect(r.status, String(r.stderr)).toBe(0);
    h = harness({ tls: { cert, key } });
    const base = await h.app.listen({ host: '127.0.0.1', port: 0 });
    expect(base).toMatch(/^https:/);
    const res = await new Promise<{ status: number; headers: Record<string, unknown> }>((resolve, reject) => {
      const req = request(
        `${base}/api/auth/login`,
        { method: 'POST', ca: readFileSync(cert), headers: { 'content-type': 'application/json' } },
        (x) => {
          x.resume();
          resolve({ status: x.statusCode ?? 0, headers: x.headers });
        },
      );
      req.on('error', reject);
      req.end(JSON.stringify({ name: 'admin', password: PASSWORD }));
    });
    expect(res.status).toBe(200);
    expect(String(res.headers['set-cookie'])).toMatch(
      /lg_session=.*; Path=\/; HttpOnly; Secure; SameSite=Strict/,
    );
    expect(res.headers['strict-transport-security']).toMatch(/max-age=\d+/);
  });
});
