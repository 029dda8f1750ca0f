import { describe, expect, it } from 'vitest';
import { COMMIT_LIMITS, commitNow, type GroupState } from './commit-policy.js';

const base: GroupState = {
  windowMs: 200,
  messages: 3,
  bytes: 300,
  unreadBytes: 0,
  heldClients: 3,
  connectedClients: 50,
};

describe('commitNow: when waiting for the commit window ends early', () => {
  it('waits while some clients are free to add small messages to the group', () => {
    expect(commitNow(base)).toBe(false);
  });

  it('commits at once with a window of 0', () => {
    expect(commitNow({ ...base, windowMs: 0 })).toBe(true);
  });

  it('commits at once when every connected client is held (nobody can add to the group)', () => {
    expect(commitNow({ ...base, heldClients: 50 })).toBe(true);
    expect(commitNow({ ...base, heldClients: 1, connectedClients: 1 })).toBe(true);
  });

  it('commits at once when a held client has sent enough meanwhile (it is being throttled)', () => {
    expect(commitNow({ ...base, unreadBytes: COMMIT_LIMITS.groupBytes - base.bytes - 1 })).toBe(false);
    expect(commitNow({ ...base, unreadBytes: COMMIT_LIMITS.groupBytes - base.bytes })).toBe(true);
  });

  it('commits at once when the group itself is big', () => {
    expect(commitNow({ ...base, bytes: COMMIT_LIMITS.groupBytes })).toBe(true);
    expect(commitNow({ ...base, messages: COMMIT_LIMITS.maxGroup })).toBe(true);
  });
});
