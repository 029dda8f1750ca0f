import { describe, expect, it } from 'vitest';
import { LoginLimiter } from './login-limiter.js';

describe('LoginLimiter', () => {
  const make = () => {
    const clock = { t: 0 };
    const l = new LoginLimiter({
      maxFailuresPerAccount: 3,
      maxFailuresPerIp: 5,
      windowMs: 60_000,
      now: () => clock.t,
    });
    return { clock, l };
  };

  it('blocks an account after N failures in the window, case-insensitively, until they age out', () => {
    const { clock, l } = make();
    for (let i = 0; i < 3; i++) {
      expect(l.blocked('An', '10.0.0.1')).toBe(0);
      l.fail(i % 2 ? 'an' : 'AN', `10.0.0.${i}`);
      clock.t += 1000;
    }
    expect(l.blocked('an', '10.0.0.9')).toBe(57);
    clock.t = 60_001;
    expect(l.blocked('an', '10.0.0.9')).toBe(0);
  });

  it('blocks an address after M failures over many names; a success clears only the account', () => {
    const { l } = make();
    for (let i = 0; i < 5; i++) l.fail(`u${i}`, '10.0.0.1');
    expect(l.blocked('fresh', '10.0.0.1')).toBeGreaterThan(0);
    expect(l.blocked('fresh', '10.0.0.2')).toBe(0);
    l.fail('bo', '10.0.0.3');
    l.fail('bo', '10.0.0.3');
    l.succeed('bo');
    l.fail('bo', '10.0.0.3');
    expect(l.blocked('bo', '10.0.0.4')).toBe(0);
  });

  it('keeps its memory bounded under a spray of names', () => {
    const { l } = make();
    for (let i = 0; i < 20_000; i++) l.fail(`n${i}`, `ip${i}`);
    expect(l.blocked('n19999', 'x')).toBe(0);
  });
});
