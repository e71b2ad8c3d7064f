/**
 * Parses and validates strata.yaml text. Pure: the caller reads the file. Every problem is
 * reported as `FILE:LINE PATH: MESSAGE, got VALUE`, all of them at once, so one edit fixes
 * one run's worth of mistakes.
 */
import { isMap, isNode, isScalar, LineCounter, parseDocument, type Document } from 'yaml';
import type { z } from 'zod';
import { ConfigError } from '../errors.ts';
import type { Config, ConfigSchema } from './schema.ts';

export interface ConfigProblem {
  readonly line: number | undefined;
  readonly path: string;
  readonly message: string;
}

export function parseConfig(text: string, fileName: string, configSchema: ConfigSchema): Config {
  const lines = new LineCounter();
  const document = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });

  const syntax = document.errors.map(
    (error): ConfigProblem => ({
      line: lines.linePos(error.pos[0]).line,
      path: '',
      message: `YAML syntax: ${error.message.split('\n')[0] ?? error.code}`,
    }),
  );
  if (syntax.length > 0) throw configError(fileName, syntax);

  const value: unknown = document.toJS() ?? {};
  const result = configSchema.safeParse(value);
  if (result.success) return result.data;
  throw configError(
    fileName,
    result.error.issues.map((issue) => describeIssue(issue, value, document, lines)),
  );
}

function describeIssue(issue: z.core.$ZodIssue, root: unknown, document: Document, lines: LineCounter): ConfigProblem {
  let path: PropertyKey[] = [...issue.path];
  let message = issue.message;
  if (issue.code === 'unrecognized_keys') {
    path = [...path, issue.keys[0] ?? ''];
    message = `unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')}; check the spelling (\`strata config schema\` lists the fields)`;
  } else if (message.startsWith('expected') || message.startsWith('Invalid')) {
    const found = valueAt(root, path);
    message = `${message.replace(/^Invalid input: /, '')}, ${found.present ? `got ${render(found.value)}` : 'but it is missing'}`;
  }
  return { line: lineOf(document, lines, path), path: renderPath(path), message };
}

function configError(fileName: string, problems: readonly ConfigProblem[]): ConfigError {
  const text = problems
    .map((p) => `${fileName}${p.line === undefined ? '' : `:${p.line}`}${p.path === '' ? '' : ` ${p.path}`}: ${p.message}`)
    .join('\n');
  return new ConfigError(text, { hint: 'fix the file and run `strata config check`' });
}

/**
 * The line of the deepest key on `path` that exists: a wrong value points at its key, a
 * missing field at its parent's key.
 */
function lineOf(document: Document, lines: LineCounter, path: readonly PropertyKey[]): number | undefined {
  for (let depth = path.length; depth > 0; depth--) {
    const parent = depth === 1 ? document.contents : document.getIn(path.slice(0, depth - 1), true);
    const key = path[depth - 1];
    if (isMap(parent)) {
      const pair = parent.items.find((item) => isScalar(item.key) && item.key.value === key);
      if (isNode(pair?.key) && pair.key.range) return lines.linePos(pair.key.range[0]).line;
    } else {
      const node = document.getIn(path.slice(0, depth), true);
      if (isNode(node) && node.range) return lines.linePos(node.range[0]).line;
    }
  }
  return undefined;
}

function valueAt(root: unknown, path: readonly PropertyKey[]): { present: boolean; value?: unknown } {
  let current: unknown = root;
  for (const key of path) {
    if (current === null || typeof current !== 'object' || !(key in current)) return { present: false };
    current = (current as Record<PropertyKey, unknown>)[key];
  }
  return { present: true, value: current };
}

function render(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'string') return JSON.stringify(value);
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  return String(value);
}

function renderPath(path: readonly PropertyKey[]): string {
  return path.map((key, i) => (typeof key === 'number' ? `[${key}]` : `${i === 0 ? '' : '.'}${String(key)}`)).join('');
}
