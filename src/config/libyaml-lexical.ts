// The lexical layer of nutcracker's YAML (libyaml 0.2.5) where the `yaml` package differs: which
// bytes are accepted (UTF-8/UTF-16, printable characters only), which characters break lines, how
// loosely quoted scalars may be indented, where tabs may appear, and the tokens nc_conf.c refuses
// (conf_validate_tokens). decodeSource() turns bytes into text `yaml` reads as libyaml would;
// checkTokens() reports what libyaml or nutcracker would reject in it.

import { CST, Lexer } from 'yaml';
import { problem, type ConfigProblem } from './errors';

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

/** UTF-8 (a UTF-8 BOM is skipped) or UTF-16 with a BOM, as libyaml detects; printable only. */
export function decodeSource(file: string, bytes: Buffer, problems: ConfigProblem[]): string | null {
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
  const lines = text.replace(/\r(?!\n)|[\x85\u2028\u2029]/g, '\n').replace(/(^|\n)\ufeff/g, '$1 ');
  return relaxForYaml(lines);
}

/**
 * Two things libyaml accepts and `yaml` does not, rewritten so `yaml` reads them as libyaml does:
 * continuation lines of a quoted scalar may start at any column (even 0), and a comment may follow
 * a quoted scalar or a block scalar header without a space (`"x"#c`, `|-#c`). Leading white space
 * of a continuation line is not part of the value, so re-indenting it changes nothing else, and
 * lines stay lines (messages keep their line numbers). Each pass fixes one spot, then lexes again.
 */
function relaxForYaml(text: string): string {
  for (let pass = 0; pass < MAX_REINDENT_PASSES; pass++) {
    let offset = 0;
    let scalarNext = false;
    let previous: string | null = null;
    let fixed: string | null = null;
    for (const token of new Lexer().lex(text)) {
      if (LEXER_MARKERS.has(token)) {
        scalarNext = token === '\x1f';
        continue;
      }
      const type = scalarNext ? 'scalar' : CST.tokenType(token);
      if (type === 'double-quoted-scalar' || type === 'single-quoted-scalar') {
        const end = quotedEnd(text, offset);
        if (end > offset + token.length) {
          fixed = reindent(text, offset, end);
          break;
        }
      } else if (type === 'comment' && previous !== null && previous !== 'space' && previous !== 'newline') {
        fixed = `${text.slice(0, offset)} ${text.slice(offset)}`;
        break;
      }
      scalarNext = false;
      previous = type;
      offset += token.length;
    }
    if (fixed === null || fixed === text) return text;
    text = fixed;
  }
  return text;
}

const MAX_REINDENT_PASSES = 1000;

/** Where libyaml ends the quoted scalar opening at `start` (after the closing quote), or -1. */
function quotedEnd(text: string, start: number): number {
  const quote = text[start];
  for (let i = start + 1; i < text.length; i++) {
    const c = text[i];
    if (c === '\n' && /^(---|\.\.\.)([ \t\r\n]|$)/.test(text.slice(i + 1, i + 5))) return -1; // document marker
    if (quote === '"' && c === '\\') i++;
    else if (quote === "'" && c === "'" && text[i + 1] === "'") i++;
    else if (c === quote) return i + 1;
  }
  return -1;
}

/** Indent every continuation line of text[start, end) one column past the opening quote. */
function reindent(text: string, start: number, end: number): string {
  const column = start - (text.lastIndexOf('\n', start - 1) + 1);
  const pad = ' '.repeat(column + 1);
  const body = text.slice(start, end).replace(/\n[ \t]*(?=([^\r\n]?))/g, (_m, next: string) => (next === '' ? '\n' : `\n${pad}`));
  return text.slice(0, start) + body + text.slice(end);
}

/**
 * nutcracker's token filter (conf_validate_tokens), run over the same source with yaml's lexer, plus
 * two libyaml scanner rules the `yaml` package does not share: where a new token may start (at a
 * line start, after `- `, `? ` or a complex key's `: `), libyaml skips spaces but not tabs, and a tab
 * there is "found character that cannot start any token" (even on a blank or comment line); and a
 * simple key must have its `:` on the same line.
 */
export function checkTokens(file: string, text: string, lineOf: (offset: number) => number, problems: ConfigProblem[]): void {
  let offset = 0;
  let scalarNext = false;
  let lineStart = true;
  let tokenStart = true;
  let explicitKeys = 0;
  // One problem per line: `[a, b]` is one mistake, not three.
  const seen = new Set<number>();
  const report = (p: ConfigProblem): void => {
    if (p.line !== undefined && seen.has(p.line)) return;
    if (p.line !== undefined) seen.add(p.line);
    problems.push(p);
  };
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
        report(problem('CONF_YAML_SYNTAX', { file, reason }, lineOf(offset + token.indexOf('\t'))));
      }
      offset += token.length;
      continue;
    }
    if (type === 'directive-line') {
      const name = /^%(\S*)/.exec(token)?.[1];
      if (name === 'YAML') report(problem('CONF_DISALLOWED_TOKEN', { kind: 'version directive', n: 3 }, lineOf(offset)));
      else if (name === 'TAG') report(problem('CONF_DISALLOWED_TOKEN', { kind: 'tag directive', n: 4 }, lineOf(offset)));
      else report(problem('CONF_YAML_SYNTAX', { file, reason: `found unknown directive name '%${name}'` }, lineOf(offset)));
    } else if (type !== null && type in DISALLOWED_TOKENS) {
      const t = DISALLOWED_TOKENS[type as keyof typeof DISALLOWED_TOKENS];
      report(problem('CONF_DISALLOWED_TOKEN', { kind: t.kind, n: t.n }, lineOf(offset)));
    }
    if (type === 'explicit-key-ind') explicitKeys++;
    if (type === 'map-value-ind' && lineStart) {
      // libyaml wants an implicit key and its ':' on one line; a ':' opening a line is only the
      // value of a `? key` (anything else there is an empty key, which nutcracker rejects anyway).
      if (explicitKeys > 0) explicitKeys--;
      else report(problem('CONF_YAML_SYNTAX', { file, reason: 'a key and its ":" must be on the same line' }, lineOf(offset)));
    }
    const newline = type === 'newline';
    tokenStart = newline || type === 'seq-item-ind' || type === 'explicit-key-ind' || (type === 'map-value-ind' && lineStart);
    lineStart = newline;
    offset += token.length;
  }
}

