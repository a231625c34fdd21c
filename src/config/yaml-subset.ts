// The YAML nutcracker accepts (spec §2.1), read with the `yaml` package and then narrowed to what
// libyaml + nc_conf.c let through: valid UTF-8 without control characters, exactly one document,
// no `%` directives, `---`/`...`, flow `[]{},`, anchors, aliases or tags; a root mapping of pools,
// each a mapping of scalars plus exactly one block list; no empty scalars. The result is the pools
// as plain strings with line numbers, or the problems (every one found, each with its line).

import { CST, isMap, isScalar, isSeq, Lexer, LineCounter, parseAllDocuments, type Node } from 'yaml';
import { problem, type ConfigProblem } from './errors';

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

/** libyaml's token kinds that nutcracker refuses, with their enum values as it prints them. */
const DISALLOWED_TOKENS = {
  'doc-start': { kind: 'document start', n: 5 },
  'doc-end': { kind: 'document end', n: 6 },
  'flow-seq-start': { kind: 'flow sequence start', n: 10 },
  'flow-seq-end': { kind: 'flow sequence end', n: 11 },
  'flow-map-start': { kind: 'flow mapping start', n: 12 },
  'flow-map-end': { kind: 'flow mapping end', n: 13 },
  comma: { kind: 'flow entry', n: 15 },
  alias: { kind: 'alias', n: 18 },
  anchor: { kind: 'anchor', n: 19 },
  tag: { kind: 'tag', n: 20 },
} as const satisfies Record<string, { kind: string; n: number }>;

/** Lexer outputs that mark positions and are not part of the source text. */
const LEXER_MARKERS = new Set(['\x02', '\x18', '\x1f']);

/** Characters libyaml's reader accepts (YAML 1.1 "printable"); anything else stops it. */
const NOT_PRINTABLE = /[^\t\n\r\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\u{10000}-\u{10ffff}]/u;

export function readYamlSubset(file: string, bytes: Buffer): YamlSubset {
  const out: YamlSubset = { pools: [], problems: [] };
  const problems = out.problems;
  const text = decode(file, bytes, problems);
  if (text === null) return out;

  const lines = new LineCounter();
  const docs = parseAllDocuments(text, { schema: 'failsafe', uniqueKeys: false, prettyErrors: false, lineCounter: lines });
  const lineOf = (offset: number): number => lines.linePos(offset).line;

  for (const doc of docs) {
    for (const err of doc.errors) {
      problems.push(problem('CONF_YAML_SYNTAX', { file, reason: err.message.split('\n')[0] }, lineOf(err.pos[0])));
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

/** UTF-8 (a UTF-8 BOM is skipped) or UTF-16 with a BOM, as libyaml detects; printable only. */
function decode(file: string, bytes: Buffer, problems: ConfigProblem[]): string | null {
  let text: string;
  if (bytes[0] === 0xff && bytes[1] === 0xfe) {
    text = new TextDecoder('utf-16le').decode(bytes.subarray(2));
  } else if (bytes[0] === 0xfe && bytes[1] === 0xff) {
    text = new TextDecoder('utf-16be').decode(bytes.subarray(2));
  } else {
    const body = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? bytes.subarray(3) : bytes;
    const strict = new TextDecoder('utf-8', { fatal: true });
    let line = 1;
    for (let start = 0; start <= body.length; line++) {
      const nl = body.indexOf(0x0a, start);
      const end = nl < 0 ? body.length : nl;
      try {
        strict.decode(body.subarray(start, end));
      } catch {
        problems.push(problem('CONF_ENCODING', { file, reason: 'is not valid UTF-8' }, line));
        return null;
      }
      start = end + 1;
    }
    text = body.toString('utf8');
  }
  const bad = NOT_PRINTABLE.exec(text);
  if (bad !== null) {
    const code = bad[0].codePointAt(0) ?? 0;
    const line = text.slice(0, bad.index).split('\n').length;
    const hex = code.toString(16).toUpperCase().padStart(4, '0');
    problems.push(problem('CONF_ENCODING', { file, reason: `contains the control character U+${hex}, which YAML does not allow` }, line));
    return null;
  }
  // libyaml also breaks lines at a lone CR, NEL, LS and PS, and skips a BOM at the start of a line
  // (the BOM still takes a column, so it behaves like a space).
  return text.replace(/\r(?!\n)|[\x85\u2028\u2029]/g, '\n').replace(/(^|\n)\ufeff/g, '$1 ');
}

/**
 * nutcracker's token filter (conf_validate_tokens), run over the same source with yaml's lexer, plus
 * the one libyaml scanner rule the `yaml` package does not share: where a new token may start (at a
 * line start, after `- `, `? ` or a complex key's `: `), libyaml skips spaces but not tabs, and a tab
 * there is "found character that cannot start any token" (even on a blank or comment line).
 */
function checkTokens(file: string, text: string, lineOf: (offset: number) => number, problems: ConfigProblem[]): void {
  let offset = 0;
  let scalarNext = false;
  let lineStart = true;
  let tokenStart = true;
  for (const token of new Lexer().lex(text)) {
    if (LEXER_MARKERS.has(token)) {
      scalarNext = token === '\x1f';
      continue;
    }
    const type = scalarNext ? 'scalar' : CST.tokenType(token);
    scalarNext = false;
    if (type === 'space' || type === 'byte-order-mark') {
      if (tokenStart && token.includes('\t')) {
        const reason = 'found a tab where a token must start (indent with spaces, and use a space after "- ")';
        problems.push(problem('CONF_YAML_SYNTAX', { file, reason }, lineOf(offset + token.indexOf('\t'))));
      }
      offset += token.length;
      continue;
    }
    if (type === 'directive-line') {
      const version = token.startsWith('%YAML');
      const kind = version ? 'version directive' : 'tag directive';
      problems.push(problem('CONF_DISALLOWED_TOKEN', { kind, n: version ? 3 : 4 }, lineOf(offset)));
    } else if (type !== null && type in DISALLOWED_TOKENS) {
      const t = DISALLOWED_TOKENS[type as keyof typeof DISALLOWED_TOKENS];
      problems.push(problem('CONF_DISALLOWED_TOKEN', { kind: t.kind, n: t.n }, lineOf(offset)));
    }
    const newline = type === 'newline';
    tokenStart = newline || type === 'seq-item-ind' || type === 'explicit-key-ind' || (type === 'map-value-ind' && lineStart);
    lineStart = newline;
    offset += token.length;
  }
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
  const before = problems.length;
  if (pool === '') problems.push(problem('CONF_EMPTY_POOL_NAME', { file }, name.line));
  const out: YamlPool = { name, directives: [] };
  let lists = 0;
  for (const pair of value.items) {
    const k = pair.key as Node | null;
    const v = pair.value as Node | null;
    const keyLine = at(k, name.line);
    if (isMap(k) || isSeq(k)) {
      problems.push(problem(isMap(k) ? 'CONF_TOO_DEEP' : 'CONF_KEY_NOT_SCALAR', { pool, directive: '?' }, keyLine));
      continue;
    }
    const directive = scalarText(k);
    if (directive === '') problems.push(problem('CONF_EMPTY_DIRECTIVE_NAME', { pool }, keyLine));
    const entry: YamlDirective = { key: { text: directive, line: keyLine }, values: [], list: isSeq(v) };
    if (isMap(v)) {
      problems.push(problem('CONF_TOO_DEEP', { pool, directive }, at(v, keyLine)));
      continue;
    }
    const items: (Node | null)[] = isSeq(v) ? (v.items as (Node | null)[]) : [v];
    if (isSeq(v) && ++lists > 1) {
      problems.push(problem('CONF_SECOND_SEQUENCE', { pool, directive }, at(v, keyLine)));
      continue;
    }
    for (const item of items) {
      const line = at(item, keyLine);
      if (isMap(item)) problems.push(problem('CONF_TOO_DEEP', { pool, directive }, line));
      else if (isSeq(item)) problems.push(problem('CONF_SECOND_SEQUENCE', { pool, directive }, line));
      else {
        const itemText = scalarText(item);
        if (itemText === '') problems.push(problem('CONF_EMPTY_VALUE', { pool, directive }, line));
        entry.values.push({ text: itemText, line });
      }
    }
    if (directive !== '') out.directives.push(entry);
  }
  if (lists === 0) problems.push(problem('CONF_MISSING_SEQUENCE', { pool }, name.line));
  // A pool whose shape is wrong is not looked at further: its directives would only add noise.
  return problems.slice(before).some((p) => SHAPE_CODES.has(p.code)) ? null : out;
}

const SHAPE_CODES: ReadonlySet<string> = new Set(['CONF_TOO_DEEP', 'CONF_KEY_NOT_SCALAR', 'CONF_SECOND_SEQUENCE', 'CONF_MISSING_SEQUENCE']);

/** A scalar's string value; a missing node (`key:` with nothing after it) is the empty string. */
function scalarText(node: Node | null): string {
  if (node === null || node === undefined) return '';
  if (isScalar(node)) return node.value === null || node.value === undefined ? '' : String(node.value);
  return '';
}
