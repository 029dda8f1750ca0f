import type { TSchema } from '@sinclair/typebox';
import { ValueErrorType } from '@sinclair/typebox/errors';
import { Value } from '@sinclair/typebox/value';
import { LinegateError } from '../gateway/core/errors.js';

/** One thing wrong with a config or profile file, with the place a technician can find it. */
export interface ConfigIssue {
  readonly file: string;
  readonly line: number | null;
  /** YAML path in the style `machines[2].connection.port`. */
  readonly path: string;
  readonly message: string;
}

export type PathSegment = string | number;

/** Resolves a YAML path to a 1-based line number (or null when the file has no such node). */
export type Locate = (path: readonly PathSegment[]) => number | null;

export function formatPath(path: readonly PathSegment[]): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else if (/^[A-Za-z_$][\w$-]*$/.test(seg)) out += out === '' ? seg : `.${seg}`;
    else out += `[${JSON.stringify(seg)}]`;
  }
  return out === '' ? '(top level)' : out;
}

export function formatIssue(i: ConfigIssue): string {
  return `${i.file}${i.line === null ? '' : `:${i.line}`} ${i.path}: ${i.message}`;
}

export class ConfigError extends LinegateError {
  readonly issues: readonly ConfigIssue[];
  constructor(
    code: 'LG_CONFIG_INVALID' | 'LG_CONFIG_READ' | 'LG_CONFIG_YAML' | 'LG_CONFIG_ENV' | 'LG_PROFILE_INVALID',
    issues: readonly ConfigIssue[],
  ) {
    super(code, issues.map(formatIssue).join('\n'), { file: issues[0]?.file });
    this.name = 'ConfigError';
    this.issues = issues;
  }
}

export function issueAt(
  file: string,
  locate: Locate,
  path: readonly PathSegment[],
  message: string,
): ConfigIssue {
  return { file, line: locate(path), path: formatPath(path), message };
}

function pointerToPath(pointer: string): PathSegment[] {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((s) => (/^\d+$/.test(s) ? Number(s) : s));
}

function literalChoices(schema: TSchema): unknown[] | null {
  const anyOf = (schema as { anyOf?: TSchema[] }).anyOf;
  if (!anyOf) return null;
  const consts = anyOf.map((s) => (s as { const?: unknown }).const);
  return consts.every((c) => c !== undefined) ? consts : null;
}

function typeWord(schema: TSchema): string {
  const t = (schema as { type?: string }).type;
  switch (t) {
    case 'integer':
      return 'a whole number';
    case 'number':
      return 'a number';
    case 'string':
      return 'text';
    case 'boolean':
      return 'true or false';
    case 'array':
      return 'a list';
    case 'object':
      return 'a mapping (key: value)';
    default:
      return String(t ?? 'something else');
  }
}

function rangeMessage(schema: TSchema): string {
  const s = schema as { minimum?: number; maximum?: number; description?: string };
  const range =
    s.minimum !== undefined && s.maximum !== undefined ? `must be ${s.minimum}..${s.maximum}` : null;
  if (range) return s.description ? `${range} (${s.description})` : range;
  if (s.minimum !== undefined) return `must be at least ${s.minimum}`;
  return `must be at most ${s.maximum}`;
}

/** Which member of a union of objects discriminated by a literal `type` key the value means. */
function discriminated(
  schema: TSchema,
  value: unknown,
): { member: TSchema | null; choices: unknown[] } | null {
  const anyOf = (schema as { anyOf?: TSchema[] }).anyOf;
  if (!anyOf || typeof value !== 'object' || value === null || Array.isArray(value)) return null;
  const tags = anyOf.map(
    (m) => (m as { properties?: Record<string, { const?: unknown }> }).properties?.type?.const,
  );
  if (tags.some((t) => t === undefined)) return null;
  const tag = (value as Record<string, unknown>).type;
  const idx = tags.indexOf(tag);
  return { member: idx >= 0 ? (anyOf[idx] ?? null) : null, choices: tags };
}

/** The `const` tags a schema allows at `path` (through objects and unions of objects). */
function constsAt(schema: TSchema, path: readonly string[]): unknown[] {
  const anyOf = (schema as { anyOf?: TSchema[] }).anyOf;
  if (anyOf) return anyOf.flatMap((m) => constsAt(m, path));
  if (path.length === 0) {
    const c = (schema as { const?: unknown }).const;
    return c === undefined ? [] : [c];
  }
  const [head, ...rest] = path;
  const next = (schema as { properties?: Record<string, TSchema> }).properties?.[head as string];
  return next ? constsAt(next, rest) : [];
}

/**
 * A union of objects marked `x-discriminator: [key, …]` (a path to a tag inside the object, such
 * as a machine's `connection.type`): the member the tag names is checked alone, so errors speak of
 * the form the user meant instead of "does not match any allowed form".
 */
function nestedDiscriminated(
  schema: TSchema,
  value: unknown,
  path: readonly PathSegment[],
  file: string,
  locate: Locate,
): ConfigIssue[] | null {
  const tagPath = (schema as { 'x-discriminator'?: string[] })['x-discriminator'];
  const anyOf = (schema as { anyOf?: TSchema[] }).anyOf;
  if (!tagPath || !anyOf || typeof value !== 'object' || value === null || Array.isArray(value)) return null;
  let parent: unknown = value;
  for (const k of tagPath.slice(0, -1)) parent = (parent as Record<string, unknown> | undefined)?.[k];
  const parentPath = [...path, ...tagPath.slice(0, -1)];
  if (typeof parent !== 'object' || parent === null || Array.isArray(parent))
    return [
      issueAt(
        file,
        locate,
        parentPath,
        parent === undefined ? 'is required' : 'must be a mapping (key: value)',
      ),
    ];
  const tag = (parent as Record<string, unknown>)[tagPath[tagPath.length - 1] as string];
  const member = anyOf.find((m) => constsAt(m, tagPath).includes(tag));
  if (member) return schemaIssues(member, value, file, locate, path);
  const choices = anyOf.flatMap((m) => constsAt(m, tagPath));
  return [issueAt(file, locate, [...path, ...tagPath], `must be one of ${choices.join(', ')}`)];
}

/** Validates `value` against `schema` and turns every error into a ConfigIssue with a line. */
export function schemaIssues(
  schema: TSchema,
  value: unknown,
  file: string,
  locate: Locate,
  base: readonly PathSegment[] = [],
): ConfigIssue[] {
  const out: ConfigIssue[] = [];
  for (const e of Value.Errors(schema, value)) {
    const path = [...base, ...pointerToPath(e.path)];
    const at = (p: readonly PathSegment[], msg: string) => out.push(issueAt(file, locate, p, msg));
    switch (e.type) {
      case ValueErrorType.ObjectRequiredProperty:
        at(path, 'is required');
        break;
      case ValueErrorType.ObjectAdditionalProperties: {
        const allowed = Object.keys((e.schema as { properties?: object }).properties ?? {});
        at(path, `unknown key (allowed here: ${allowed.join(', ')})`);
        break;
      }
      case ValueErrorType.IntegerMinimum:
      case ValueErrorType.IntegerMaximum:
      case ValueErrorType.NumberMinimum:
      case ValueErrorType.NumberMaximum:
        at(path, rangeMessage(e.schema));
        break;
      case ValueErrorType.StringPattern: {
        const d = (e.schema as { description?: string }).description;
        at(
          path,
          d ? `must be ${d} (got ${JSON.stringify(e.value)})` : `does not match ${String(e.schema.pattern)}`,
        );
        break;
      }
      case ValueErrorType.StringMinLength:
        at(path, 'must not be empty');
        break;
      case ValueErrorType.StringMaxLength:
        at(path, `must be at most ${String(e.schema.maxLength)} characters`);
        break;
      case ValueErrorType.ArrayMinItems:
        at(path, `must list at least ${String(e.schema.minItems)} item(s)`);
        break;
      case ValueErrorType.Union: {
        const nested = nestedDiscriminated(e.schema, e.value, path, file, locate);
        if (nested) {
          out.push(...nested);
          break;
        }
        const choices = literalChoices(e.schema);
        if (choices) {
          const d = (e.schema as { description?: string }).description;
          at(path, `must be ${d ?? `one of ${choices.join(', ')}`} (got ${JSON.stringify(e.value)})`);
          break;
        }
        const d = discriminated(e.schema, e.value);
        if (d?.member) out.push(...schemaIssues(d.member, e.value, file, locate, path));
        else if (d) at([...path, 'type'], `must be one of ${d.choices.join(', ')}`);
        else at(path, 'does not match any allowed form');
        break;
      }
      case ValueErrorType.Literal:
        at(path, `must be ${JSON.stringify(e.schema.const)}`);
        break;
      default:
        if (e.value === undefined) break; // reported as a missing required property
        at(path, `must be ${typeWord(e.schema)} (got ${JSON.stringify(e.value)})`);
    }
  }
  return dedupe(out);
}

function dedupe(issues: ConfigIssue[]): ConfigIssue[] {
  const seen = new Set<string>();
  return issues.filter((i) => {
    const k = `${i.path}\u0000${i.message}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}
