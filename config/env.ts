import { parse as parseScalar } from 'yaml';
import { type ConfigIssue, issueAt, type Locate, type PathSegment } from './issues.js';

const REF = /\$\$\{|\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;
const WHOLE = /^\$\{[A-Za-z_][A-Za-z0-9_]*(?::-[^}]*)?\}$/;

/**
 * Replaces `${NAME}` (and `${NAME:-default}`) in every string of the tree with the environment's
 * value; `$${` stands for a literal `${`. A string that is one reference and nothing else takes the
 * type its value reads as in YAML (`port: ${MB_PORT}` becomes the number 502).
 */
export function interpolateEnv(
  data: unknown,
  env: NodeJS.ProcessEnv,
  file: string,
  locate: Locate,
): { data: unknown; issues: ConfigIssue[] } {
  const issues: ConfigIssue[] = [];
  const walk = (v: unknown, path: PathSegment[]): unknown => {
    if (typeof v === 'string') return substitute(v, path);
    if (Array.isArray(v)) return v.map((x, i) => walk(x, [...path, i]));
    if (v !== null && typeof v === 'object') {
      const out: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v)) out[k] = walk(x, [...path, k]);
      return out;
    }
    return v;
  };
  const substitute = (s: string, path: PathSegment[]): unknown => {
    if (!s.includes('${')) return s;
    const replaced = s.replace(REF, (m, name: string | undefined, dflt: string | undefined) => {
      if (m === '$${') return '${';
      const val = env[name as string];
      if (val !== undefined && val !== '') return val;
      if (dflt !== undefined) return dflt;
      issues.push(issueAt(file, locate, path, `environment variable ${name} is not set`));
      return '';
    });
    if (WHOLE.test(s)) {
      try {
        const typed: unknown = parseScalar(replaced);
        return typeof typed === 'number' || typeof typed === 'boolean' ? typed : replaced;
      } catch {
        return replaced;
      }
    }
    return replaced;
  };
  return { data: walk(data, []), issues };
}
