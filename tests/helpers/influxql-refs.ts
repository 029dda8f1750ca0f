/**
 * What an InfluxQL query (as written in a Grafana panel) refers to, for checking dashboards
 * against the documented InfluxDB layout: measurements after FROM, fields in SELECT, names in
 * WHERE, tags in GROUP BY and `WITH KEY =`, and $variables. Handles the queries the dashboards
 * use (one SELECT or SHOW TAG VALUES each, double-quoted identifiers); not a full parser.
 */
export interface QueryRefs {
  readonly measurements: string[];
  readonly selected: string[];
  readonly where: string[];
  readonly groupBy: string[];
  readonly tagKeys: string[];
  readonly variables: string[];
}

const quoted = (s: string) => [...s.matchAll(/"([^"]+)"/g)].map((m) => m[1] ?? '');

export function influxqlRefs(query: string): QueryRefs {
  // Literals first: 'strings' and /regexes/ may contain anything.
  const q = query.replace(/'(?:[^'\\]|\\.)*'/g, "''").replace(/=~\s*\/(?:[^/\\]|\\.)*\//g, '=~ //');
  const variables = [...query.matchAll(/\$(\w+)/g)].map((m) => m[1] ?? '');
  const measurements = [...q.matchAll(/\bFROM\s+"([^"]+)"/gi)].map((m) => m[1] ?? '');
  const tagKeys = [...q.matchAll(/\bWITH\s+KEY\s*=\s*"([^"]+)"/gi)].map((m) => m[1] ?? '');
  const select = /^\s*SELECT\s+(.*?)\s+FROM\s/is.exec(q)?.[1] ?? '';
  const where = /\sWHERE\s+(.*?)(?:\s+GROUP\s+BY\s|\s+ORDER\s+BY\s|\s+LIMIT\s|$)/is.exec(q)?.[1] ?? '';
  const groupBy = /\sGROUP\s+BY\s+(.*?)(?:\s+fill\(|\s+ORDER\s|\s+LIMIT\s|$)/is.exec(q)?.[1] ?? '';
  const aliases = new Set([...select.matchAll(/\bAS\s+"([^"]+)"/gi)].map((m) => m[1] ?? ''));
  return {
    measurements,
    selected: quoted(select).filter((n) => !aliases.has(n)),
    where: quoted(where),
    groupBy: quoted(groupBy),
    tagKeys,
    variables,
  };
}
