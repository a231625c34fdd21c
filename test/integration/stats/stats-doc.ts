// The stats document as tests see it: fetched raw from a stats port (nutcracker's or ours), read by a
// tiny order-preserving tokenizer (JSON.parse would hide key order and turn every number into a
// double), and polled until it stops changing, since nutcracker only publishes aggregated values every
// `-i` ms (spec §4.4). Shared by the differential test (test/compat) and our own stats tests.

import { delay } from '../../helpers/processes';
import { readAll } from '../../helpers/wire';

/** The only value kinds a stats document may hold (spec §4.2). */
export const VALUE_TYPES = { string: 'string', integer: 'integer', object: 'object' } as const;
export type ValueType = (typeof VALUE_TYPES)[keyof typeof VALUE_TYPES];

/** One `"key": value` of the document, in document order; objects come before their members. */
export interface StatsEntry {
  /** Keys from the top down, e.g. ['alpha', 's1', 'requests']. */
  path: string[];
  type: ValueType;
  /** Integers as bigint so int64 values survive; strings as written; null for objects. */
  value: bigint | string | null;
}

/** Read the whole document: connect, read until the server closes (it writes one line and closes). */
export async function fetchStatsText(port: number, host = '127.0.0.1', timeoutMs = 5000): Promise<string> {
  return (await readAll(port, { host, timeoutMs })).toString('latin1');
}

/**
 * Tokenize a stats document into its entries, strictly: only objects, strings without escapes and
 * integers are accepted (a float, array, boolean, null or a stray byte throws with its offset).
 * Whitespace between tokens is allowed anywhere, as JSON allows.
 */
export function tokenizeStats(text: string): StatsEntry[] {
  const entries: StatsEntry[] = [];
  let i = 0;
  const fail = (what: string): never => {
    throw new Error(`stats document: ${what} at offset ${i}: ${JSON.stringify(text.slice(Math.max(0, i - 20), i + 20))}`);
  };
  const skipSpace = (): void => {
    while (i < text.length && (text[i] === ' ' || text[i] === '\n' || text[i] === '\r' || text[i] === '\t')) i++;
  };
  const expect = (c: string): void => {
    skipSpace();
    if (text[i] !== c) fail(`expected '${c}'`);
    i++;
  };
  const readString = (): string => {
    expect('"');
    const end = text.indexOf('"', i);
    if (end < 0) fail('unterminated string');
    const s = text.slice(i, end);
    if (s.includes('\\')) fail('escape in string');
    i = end + 1;
    return s;
  };
  const readObject = (path: string[]): void => {
    expect('{');
    skipSpace();
    if (text[i] === '}') {
      i++;
      return;
    }
    for (;;) {
      const key = readString();
      expect(':');
      skipSpace();
      const at = [...path, key];
      if (text[i] === '{') {
        entries.push({ path: at, type: VALUE_TYPES.object, value: null });
        readObject(at);
      } else if (text[i] === '"') {
        entries.push({ path: at, type: VALUE_TYPES.string, value: readString() });
      } else {
        const m = /^-?(?:0|[1-9][0-9]*)(?![0-9.eE])/.exec(text.slice(i, i + 32));
        if (m === null) fail('expected an integer, a string or an object');
        entries.push({ path: at, type: VALUE_TYPES.integer, value: BigInt((m as RegExpExecArray)[0]) });
        i += (m as RegExpExecArray)[0].length;
      }
      skipSpace();
      if (text[i] === ',') {
        i++;
        continue;
      }
      expect('}');
      return;
    }
  };
  readObject([]);
  skipSpace();
  if (i !== text.length) fail('trailing bytes');
  return entries;
}

/** `path → value` of the integer entries (e.g. 'alpha.s1.requests' → 3n), for lookups in assertions. */
export function integerValues(entries: readonly StatsEntry[]): Map<string, bigint> {
  const out = new Map<string, bigint>();
  for (const e of entries) if (e.type === VALUE_TYPES.integer) out.set(e.path.join('.'), e.value as bigint);
  return out;
}

/** The document's layout: every key path with its value type, in order (values left out). */
export function statsShape(entries: readonly StatsEntry[]): string[] {
  return entries.map((e) => `${e.path.join('.')}:${e.type}`);
}

/** Entries that change with the clock alone; left out when deciding whether the counters have settled. */
const CLOCK_KEYS = new Set(['uptime', 'timestamp']);

function countersOnly(entries: readonly StatsEntry[]): string {
  return entries
    .filter((e) => !(e.path.length === 1 && CLOCK_KEYS.has(e.path[0])))
    .map((e) => `${e.path.join('.')}=${String(e.value)}`)
    .join(',');
}

export interface SettleOptions {
  /** Also wait until this holds (e.g. "no client connections left"). */
  until?: (values: Map<string, bigint>) => boolean;
  /** Identical consecutive reads required; default 4. */
  reads?: number;
  /** Pause between reads; default 120 ms (with nutcracker's `-i 100`, 4 reads span > 3 intervals). */
  intervalMs?: number;
  timeoutMs?: number;
}

/**
 * Poll the stats port until the counters stop changing: `reads` consecutive documents identical
 * except for uptime/timestamp (and `until` true). Live stats (ours) settle at the first reads;
 * nutcracker's aggregated ones after one or two intervals. Returns the raw text and its entries.
 */
export async function settledStats(port: number, opts: SettleOptions = {}): Promise<{ text: string; entries: StatsEntry[] }> {
  const reads = opts.reads ?? 4;
  const deadline = Date.now() + (opts.timeoutMs ?? 10_000);
  let last = '';
  let same = 0;
  for (;;) {
    const text = await fetchStatsText(port);
    const entries = tokenizeStats(text);
    const key = countersOnly(entries);
    const ok = opts.until === undefined || opts.until(integerValues(entries));
    same = ok && key === last ? same + 1 : ok ? 1 : 0;
    last = key;
    if (same >= reads) return { text, entries };
    if (Date.now() > deadline) throw new Error(`stats on port ${port} did not settle; last document: ${text}`);
    await delay(opts.intervalMs ?? 120);
  }
}

/** Poll until `until` holds (no stability requirement): for "wait until the proxy noticed X". */
export async function waitForStats(port: number, what: string, until: (values: Map<string, bigint>) => boolean, timeoutMs = 10_000): Promise<Map<string, bigint>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const text = await fetchStatsText(port);
    const values = integerValues(tokenizeStats(text));
    if (until(values)) return values;
    if (Date.now() > deadline) throw new Error(`stats on port ${port}: timed out waiting for ${what}; last document: ${text}`);
    await delay(50);
  }
}
