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

export function userAcl(user: Pick<BrokerUserConfig, 'username' | 'publish' | 'subscribe'>): UserAcl {
  const pub = user.publish.map((g) => expandGrant(g, user.username));
  const sub = user.subscribe.map((g) => expandGrant(g, user.username));
  return {
    username: user.username,
    canPublish(topic) {
      if (topic.length === 0 || topic.startsWith('$') || topic.includes('+') || topic.includes('#'))
        return false;
      return pub.some((g) => topicMatches(g, topic));
    },
    canSubscribe(filter) {
      if (!isValidFilter(filter) || filter === '#' || filter.startsWith('$') || filter.startsWith('+/#'))
        return false;
      return sub.some((g) => filterCovers(g, filter));
    },
  };
}
