import { readFileSync } from 'node:fs';
import { LineCounter, parseDocument } from 'yaml';
import { ConfigError, type Locate, type PathSegment } from './issues.js';

export interface YamlSource {
  readonly file: string;
  readonly data: unknown;
  readonly locate: Locate;
}

/** Reads and parses a YAML file, keeping positions so that later errors can name a line. */
export function readYaml(file: string, kind: 'config' | 'profile' = 'config'): YamlSource {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const reason =
      (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'file not found' : (err as Error).message;
    throw new ConfigError('LG_CONFIG_READ', [{ file, line: null, path: '(file)', message: reason }]);
  }
  return parseYaml(text, file, kind);
}

export function parseYaml(text: string, file: string, kind: 'config' | 'profile' = 'config'): YamlSource {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw new ConfigError(
      kind === 'config' ? 'LG_CONFIG_YAML' : 'LG_PROFILE_INVALID',
      // Only the first: later YAML errors are mostly echoes of the first one.
      doc.errors.slice(0, 1).map((e) => ({
        file,
        line: e.linePos?.[0].line ?? null,
        path: '(yaml)',
        message: (e.message.split('\n')[0] ?? e.message).replace(/ at line \d+, column \d+:?$/, ''),
      })),
    );
  }
  const locate: Locate = (path: readonly PathSegment[]) => {
    for (let n = path.length; n >= 0; n--) {
      const node = doc.getIn(path.slice(0, n), true) as { range?: [number, number, number] } | undefined;
      if (node && typeof node === 'object' && node.range) return lineCounter.linePos(node.range[0]).line;
      // For a missing key, point at the parent mapping's key (one level up).
    }
    return null;
  };
  return { file, data: doc.toJS({ maxAliasCount: 100 }), locate };
}
