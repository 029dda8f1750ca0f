import { describe, expect, it } from 'vitest';
import { redact } from './redact.js';

describe('redact', () => {
  it('hides secrets by key name and in URLs, keeps the rest', () => {
    const out = redact({
      sinks: [{ url: 'http://bob:hunter2@influx:8086/x', token: 'tok', password: 'pw', database: 'd' }],
      mqtt: { broker: { users: [{ username: 'dev', passwordHash: 'scrypt$…' }] } },
      dashboard: { tls: { cert: '/c.pem', key: '/k.pem' } },
      nested: { credentials: { a: 1 } },
      site: { id: 's', name: 'S' },
    });
    expect(out).toEqual({
      sinks: [{ url: 'http://***@influx:8086/x', token: '***', password: '***', database: 'd' }],
      mqtt: { broker: { users: [{ username: 'dev', passwordHash: '***' }] } },
      dashboard: { tls: { cert: '/c.pem', key: '***' } },
      nested: { credentials: '***' },
      site: { id: 's', name: 'S' },
    });
  });
});
