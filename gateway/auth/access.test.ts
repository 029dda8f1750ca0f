import { describe, expect, it } from 'vitest';
import { ROLES } from '../api/policy.js';
import { decideAccess, originAllowed } from './access.js';

describe('decideAccess', () => {
  const user = (role: (typeof ROLES)[number]) => ({ name: 'x', role });

  it('denies a route without a policy to everyone, signed in or not', () => {
    for (const u of [undefined, ...ROLES.map(user)])
      expect(decideAccess({ policy: undefined, method: 'GET', user: u, kiosk: true })).toEqual({
        ok: false,
        status: 403,
        code: 'LG_NO_POLICY',
      });
  });

  it('read: signed-in users; anonymous only with kiosk and only for safe methods', () => {
    const read = { read: true } as const;
    expect(decideAccess({ policy: read, method: 'GET', user: undefined, kiosk: false })).toMatchObject({
      status: 401,
    });
    expect(decideAccess({ policy: read, method: 'GET', user: undefined, kiosk: true }).ok).toBe(true);
    expect(decideAccess({ policy: read, method: 'GET', user: user('operator'), kiosk: false }).ok).toBe(true);
    for (const method of ['POST', 'PUT', 'DELETE', 'PATCH'])
      expect(decideAccess({ policy: read, method, user: user('admin'), kiosk: true }).ok).toBe(false);
  });

  it('roles: only the named roles (admin is not implied)', () => {
    const policy = { roles: ['technician'] } as const;
    expect(decideAccess({ policy, method: 'POST', user: user('technician'), kiosk: false }).ok).toBe(true);
    expect(decideAccess({ policy, method: 'POST', user: user('admin'), kiosk: false })).toMatchObject({
      status: 403,
    });
    expect(decideAccess({ policy, method: 'GET', user: undefined, kiosk: true })).toMatchObject({
      status: 401,
    });
  });
});

describe('originAllowed', () => {
  const base = {
    host: 'gw.local:8080',
    protocol: 'http' as const,
    allowed: [] as string[],
    secFetchSite: undefined,
  };
  it('accepts the gateway itself and listed origins, refuses others and "null"', () => {
    expect(originAllowed({ ...base, origin: 'http://gw.local:8080' })).toBe(true);
    expect(originAllowed({ ...base, origin: 'https://gw.local:8080' })).toBe(false);
    expect(originAllowed({ ...base, origin: 'http://evil.example' })).toBe(false);
    expect(originAllowed({ ...base, origin: 'null' })).toBe(false);
    expect(originAllowed({ ...base, origin: 'https://x.example', allowed: ['https://x.example'] })).toBe(
      true,
    );
  });
  it('without Origin: trusts Sec-Fetch-Site when sent, else lets the CSRF token decide', () => {
    expect(originAllowed({ ...base, origin: undefined, secFetchSite: 'cross-site' })).toBe(false);
    expect(originAllowed({ ...base, origin: undefined, secFetchSite: 'same-site' })).toBe(false);
    expect(originAllowed({ ...base, origin: undefined, secFetchSite: 'same-origin' })).toBe(true);
    expect(originAllowed({ ...base, origin: undefined })).toBe(true);
  });
});
