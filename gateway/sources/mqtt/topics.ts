/**
 * MQTT topic filters, pure (MQTT v3.1.1 §4.7). A filter is levels split on '/', where '+' is one
 * whole level and '#' the whole last level (it also matches the parent: `a/#` matches `a`).
 * §4.7.2: a filter starting with a wildcard does not match topics starting with '$'.
 */

export function topicMatches(filter: string, topic: string): boolean {
  if (topic.startsWith('$') && (filter.startsWith('+') || filter.startsWith('#'))) return false;
  const f = filter.split('/');
  const t = topic.split('/');
  for (let i = 0; i < f.length; i++) {
    const level = f[i];
    if (level === '#') return i === f.length - 1;
    if (i >= t.length) return false;
    if (level !== '+' && level !== t[i]) return false;
  }
  return f.length === t.length;
}

/**
 * True when every topic that `filter` matches is also matched by `grant`: a subscription to
 * `filter` reads nothing beyond the grant. Level by level: a grant '#' covers the rest; a grant
 * '+' covers one level that is not '#'; a literal covers only the same literal.
 */
export function filterCovers(grant: string, filter: string): boolean {
  if (filter.startsWith('$') !== grant.startsWith('$')) return false;
  const g = grant.split('/');
  const f = filter.split('/');
  for (let i = 0; i < g.length; i++) {
    const level = g[i];
    if (level === '#') return true;
    const want = f[i];
    if (want === undefined) return false;
    if (level === '+') {
      if (want === '#') return false;
      continue;
    }
    if (want !== level) return false;
  }
  return g.length === f.length;
}

/** `{username}` in a grant is the connecting user's own name (mosquitto's %u). */
export function expandGrant(grant: string, username: string): string {
  return grant.split('{username}').join(username);
}

/** A valid filter for a SUBSCRIBE (MQTT v3.1.1 §4.7.1), as the ACL sees it. */
export function isValidFilter(filter: string): boolean {
  if (filter.length === 0 || filter.length > 65535 || filter.includes('\u0000')) return false;
  const levels = filter.split('/');
  return levels.every(
    (l, i) => (!l.includes('#') || (l === '#' && i === levels.length - 1)) && (!l.includes('+') || l === '+'),
  );
}
