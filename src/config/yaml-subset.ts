// The YAML nutcracker accepts (spec §2.1), read with the `yaml` package and then narrowed to what
// libyaml + nc_conf.c let through: valid UTF-8 without control characters, exactly one document,
// no `%` directives, `---`/`...`, flow `[]{},`, anchors, aliases or tags; a root mapping of pools,
// each a mapping of scalars plus exactly one block list; no empty scalars. The result is the pools
// as plain strings with line numbers, or the problems (every one found, each with its line).

import { isMap, isScalar, isSeq, LineCounter, parseAllDocuments, type Node } from 'yaml';
import { problem, type ConfigProblem } from './errors';
import { checkTokens, decodeSource } from './libyaml-lexical';

export interface YamlScalar {
  text: string;
  /** 1-based. */
  line: number;
}

export interface YamlDirective {
  key: YamlScalar;
  /** One value for `key: value`; every item for `key:` followed by a `- ` list. Empty values are
   *  kept (and already reported) so the loader knows the directive was given. */
  values: YamlScalar[];
  list: boolean;
}

export interface YamlPool {
  name: YamlScalar;
  directives: YamlDirective[];
}

export interface YamlSubset {
  /** Pools whose shape is acceptable, in file order (problems inside them are in `problems`). */
  pools: YamlPool[];
  problems: ConfigProblem[];
}

export function readYamlSubset(file: string, bytes: Buffer): YamlSubset {
  const out: YamlSubset = { pools: [], problems: [] };
  const problems = out.problems;
  const text = decodeSource(file, bytes, problems);
  if (text === null) return out;

  const lines = new LineCounter();
  const docs = parseAllDocuments(text, { schema: 'failsafe', uniqueKeys: false, prettyErrors: false, lineCounter: lines });
  const lineOf = (offset: number): number => lines.linePos(offset).line;

  // One error per line: after the first, `yaml` mostly reports consequences of it.
  const errorLines = new Set<number>();
  for (const doc of docs) {
    for (const err of doc.errors) {
      const line = lineOf(err.pos[0]);
      if (errorLines.has(line)) continue;
      errorLines.add(line);
      problems.push(problem('CONF_YAML_SYNTAX', { file, reason: err.message.split('\n')[0] }, line));
    }
  }
  if (problems.length > 0) return out;
  // An empty or comment-only file has no document at all, as with libyaml.
  if (docs.length !== 1) {
    problems.push(problem('CONF_DOCUMENT_COUNT', { file, count: docs.length }));
    return out;
  }
  checkTokens(file, text, lineOf, problems);
  if (problems.length > 0) return out;

  const root = docs[0].contents;
  const at = (node: Node | null, fallback: number): number => (node?.range ? lineOf(node.range[0]) : fallback);
  if (isSeq(root)) {
    problems.push(problem('CONF_SEQUENCE_DEPTH', { file, depth: 0 }, at(root, 1)));
  } else if (!isMap(root)) {
    problems.push(problem('CONF_ROOT_SCALAR', { file }, at(root, 1)));
  } else {
    for (const pair of root.items) {
      const key = pair.key as Node | null;
      const keyLine = at(key, at(root, 1));
      if (isMap(key)) {
        problems.push(problem('CONF_POOL_KEY_NOT_SCALAR', { file }, keyLine));
        continue;
      }
      if (isSeq(key)) {
        problems.push(problem('CONF_SEQUENCE_DEPTH', { file, depth: 1 }, keyLine));
        continue;
      }
      const name = { text: scalarText(key), line: keyLine };
      const pool = readPool(file, name, pair.value as Node | null, at, problems);
      if (pool !== null) out.pools.push(pool);
    }
  }
  return out;
}

/** One pool: a mapping of `key: scalar` pairs and exactly one `key:` + block list (rule 3). */
function readPool(
  file: string,
  name: YamlScalar,
  value: Node | null,
  at: (node: Node | null, fallback: number) => number,
  problems: ConfigProblem[],
): YamlPool | null {
  const pool = name.text;
  if (isSeq(value)) {
    problems.push(problem('CONF_SEQUENCE_DEPTH', { file, depth: 1 }, at(value, name.line)));
    return null;
  }
  if (!isMap(value)) {
    problems.push(problem('CONF_POOL_NOT_MAPPING', { pool }, at(value, name.line)));
    return null;
  }
  const shape: ConfigProblem[] = [];
  const empty: ConfigProblem[] = [];
  if (pool === '') empty.push(problem('CONF_EMPTY_POOL_NAME', { file }, name.line));
  const out: YamlPool = { name, directives: [] };
  let lists = 0;
  for (const pair of value.items) {
    const k = pair.key as Node | null;
    const v = pair.value as Node | null;
    const keyLine = at(k, name.line);
    if (isMap(k) || isSeq(k)) {
      shape.push(problem(isMap(k) ? 'CONF_TOO_DEEP' : 'CONF_KEY_NOT_SCALAR', { pool, directive: '?' }, keyLine));
      continue;
    }
    const directive = scalarText(k);
    if (isMap(v)) {
      shape.push(problem('CONF_TOO_DEEP', { pool, directive }, at(v, keyLine)));
      continue;
    }
    if (isSeq(v) && ++lists > 1) {
      shape.push(problem('CONF_SECOND_SEQUENCE', { pool, directive }, at(v, keyLine)));
      continue;
    }
    if (directive === '') empty.push(problem('CONF_EMPTY_DIRECTIVE_NAME', { pool }, keyLine));
    const entry: YamlDirective = { key: { text: directive, line: keyLine }, values: [], list: isSeq(v) };
    for (const item of isSeq(v) ? (v.items as (Node | null)[]) : [v]) {
      const line = at(item, keyLine);
      if (isMap(item)) shape.push(problem('CONF_TOO_DEEP', { pool, directive }, line));
      else if (isSeq(item)) shape.push(problem('CONF_SECOND_SEQUENCE', { pool, directive }, line));
      else {
        const text = scalarText(item);
        if (text === '') empty.push(problem('CONF_EMPTY_VALUE', { pool, directive }, line));
        entry.values.push({ text, line });
      }
    }
    if (directive !== '') out.directives.push(entry);
  }
  if (lists === 0) shape.push(problem('CONF_MISSING_SEQUENCE', { pool }, name.line));
  // A pool of the wrong shape is not looked at further: its values would only add noise.
  if (shape.length > 0) {
    problems.push(...shape);
    return null;
  }
  problems.push(...empty);
  return out;
}

/** A scalar's string value; a missing node (`key:` with nothing after it) is the empty string. */
function scalarText(node: Node | null): string {
  if (node === null || node === undefined) return '';
  if (isScalar(node)) return node.value === null || node.value === undefined ? '' : String(node.value);
  return '';
}
