import type { BrokerUserConfig } from '../../../config/types.js';
import { expandGrant, filterCovers, isValidFilter, topicMatches } from './topics.js';

/**
 * Per-user access rules of the embedded broker, pure. Nothing is allowed unless granted:
 * a device publishes only to its `publish` grants (its own prefix) and subscribes only to
 * filters inside its `subscribe` grants. `#` (everything) and any `$…` topic (the broker's
 * `$SYS` tree) are refused to everyone, whatever the grants say.
 */
export interface UserAcl {
  readonly username: string;
  canPublish(topic: string): boolean;
  canSubscribe(filter: string): boolean;
}

const CACHE_MAX = 1024;

export function userAcl(user: Pick<BrokerUserConfig, 'username' | 'publish' | 'subscribe'>): UserAcl {
  const pub = user.publish.map((g) => expandGrant(g, user.username));
  const sub = user.subscribe.map((g) => expandGrant(g, user.username));
  // A device publishes to the same few topics again and again: decisions are remembered per
  // user (bounded: the cache starts over when it holds CACHE_MAX topics).
  const decided = new Map<string, boolean>();
  return {
    username: user.username,
    canPublish(topic) {
      const known = decided.get(topic);
      if (known !== undefined) return known;
      const ok =
        !(topic.length === 0 || topic.startsWith('$') || topic.includes('+') || topic.includes('#')) &&
        pub.some((g) => topicMatches(g, topic));
      if (decided.size >= CACHE_MAX) decided.clear();
      decided.set(topic, ok);
      return ok;
    },
    canSubscribe(filter) {
      if (!isValidFilter(filter) || filter === '#' || filter.startsWith('$') || filter.startsWith('+/#'))
        return false;
      return sub.some((g) => filterCovers(g, filter));
    },
  };
}
