import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { userAcl } from './acl.js';
import { filterCovers, topicMatches } from './topics.js';

const level = fc.constantFrom('a', 'b', 'c', 'htx', 'pack');
const topic = fc.array(level, { minLength: 1, maxLength: 5 }).map((l) => l.join('/'));
const filter = fc
  .array(fc.oneof(level, fc.constant('+')), { minLength: 1, maxLength: 5 })
  .chain((l) => fc.boolean().map((hash) => (hash ? [...l, '#'] : l).join('/')));

describe('topic filters (MQTT v3.1.1 §4.7)', () => {
  it.each([
    ['a/+/c', 'a/b/c', true],
    ['a/#', 'a', true],
    ['a/#', 'a/b/c', true],
    ['+/b', 'a/b/c', false],
    ['#', '$SYS/broker', false],
    ['+/broker', '$SYS/broker', false],
    ['$SYS/#', '$SYS/broker', true],
  ])('%s matches %s: %s', (f, t, want) => expect(topicMatches(f, t)).toBe(want));

  it('a covered filter never reads a topic outside its grant (property)', () => {
    fc.assert(
      fc.property(filter, filter, topic, (grant, f, t) => {
        if (filterCovers(grant, f) && topicMatches(f, t)) expect(topicMatches(grant, t)).toBe(true);
      }),
      { numRuns: 5000 },
    );
  });

  it('a grant covers itself and its narrower filters', () => {
    expect(filterCovers('htx/pack/p1/#', 'htx/pack/p1/cmd/+')).toBe(true);
    expect(filterCovers('htx/pack/p1/#', 'htx/pack/+/cmd')).toBe(false);
    expect(filterCovers('htx/+/p1/cmd', 'htx/#')).toBe(false);
  });
});

describe('user ACL', () => {
  const acl = userAcl({
    username: 'p1',
    publish: ['htx/+/{username}/#'],
    subscribe: ['htx/pack/{username}/cmd/#'],
  });
  it('publishes only under its own prefix, never to $ or wildcard topics', () => {
    expect(acl.canPublish('htx/pack/p1/telemetry')).toBe(true);
    expect(acl.canPublish('htx/pack/p2/telemetry')).toBe(false);
    expect(acl.canPublish('$SYS/x')).toBe(false);
    expect(acl.canPublish('htx/pack/p1/#')).toBe(false);
  });
  it('subscribes only inside its grant; # and $SYS/# never', () => {
    expect(acl.canSubscribe('htx/pack/p1/cmd/#')).toBe(true);
    expect(acl.canSubscribe('htx/pack/p1/cmd/speed')).toBe(true);
    expect(acl.canSubscribe('#')).toBe(false);
    expect(acl.canSubscribe('$SYS/#')).toBe(false);
    expect(acl.canSubscribe('htx/pack/+/cmd/#')).toBe(false);
    expect(userAcl({ username: 'root', publish: [], subscribe: ['#'] }).canSubscribe('#')).toBe(false);
  });
});
