import { describe, expect, it } from 'vitest';
import { userAcl } from './acl.js';

describe('userAcl', () => {
  const acl = userAcl({ username: 'dev1', publish: ['plant/{username}/#'], subscribe: ['cmd/{username}/+'] });

  it('publishes only under its grants, the same answer every time (decisions are cached)', () => {
    for (let i = 0; i < 3; i++) {
      expect(acl.canPublish('plant/dev1/telemetry')).toBe(true);
      expect(acl.canPublish('plant/dev2/telemetry')).toBe(false);
      expect(acl.canPublish('$SYS/x')).toBe(false);
      expect(acl.canPublish('plant/dev1/+')).toBe(false);
      expect(acl.canPublish('')).toBe(false);
    }
  });

  it('keeps answering right after more topics than the cache holds', () => {
    for (let i = 0; i < 3000; i++) {
      expect(acl.canPublish(`plant/dev1/t${i}`)).toBe(true);
      expect(acl.canPublish(`plant/dev9/t${i}`)).toBe(false);
    }
    expect(acl.canPublish('plant/dev2/telemetry')).toBe(false);
    expect(acl.canPublish('plant/dev1/telemetry')).toBe(true);
  });

  it('subscribes only inside its grants, never to # or $SYS', () => {
    expect(acl.canSubscribe('cmd/dev1/+')).toBe(true);
    expect(acl.canSubscribe('cmd/dev1/reset')).toBe(true);
    expect(acl.canSubscribe('cmd/dev2/reset')).toBe(false);
    expect(acl.canSubscribe('#')).toBe(false);
    expect(acl.canSubscribe('$SYS/#')).toBe(false);
  });
});
