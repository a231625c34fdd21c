// Reads `redis-benchmark --csv` output: one quoted row per test. redis-benchmark >= 6.2 prints a header
// and latency columns (avg/min/p50/p95/p99/max in ms); older versions print only `"TEST","rps"`, so the
// latency fields are optional. Whole text, not a stream: the tool's stdout is collected until it exits,
// and its warnings ("Could not fetch server CONFIG" through a proxy) go to stderr, never here.

export interface RedisBenchmarkRow {
  /** The test name as printed: `SET`, `GET`, or the custom command line (`mget key:__rand_int__ ...`). */
  test: string;
  rps: number;
  avgMs?: number;
  minMs?: number;
  p50Ms?: number;
  p95Ms?: number;
  p99Ms?: number;
  maxMs?: number;
}

/** CSV header name → row field (redis-benchmark 6.2+ names). */
const COLUMNS = {
  test: 'test',
  rps: 'rps',
  avg_latency_ms: 'avgMs',
  min_latency_ms: 'minMs',
  p50_latency_ms: 'p50Ms',
  p95_latency_ms: 'p95Ms',
  p99_latency_ms: 'p99Ms',
  max_latency_ms: 'maxMs',
} as const;

type Field = (typeof COLUMNS)[keyof typeof COLUMNS];

/** The column order of versions that print no header. */
const HEADERLESS: readonly Field[] = ['test', 'rps'];

/** `"a","b, c","d"` → ['a', 'b, c', 'd']; null when the line is not a fully quoted CSV row. */
function splitQuoted(line: string): string[] | null {
  const cells: string[] = [];
  let i = 0;
  while (i < line.length) {
    if (line[i] !== '"') return null;
    let cell = '';
    i++;
    for (;;) {
      if (i >= line.length) return null;
      if (line[i] === '"') {
        if (line[i + 1] === '"') {
          cell += '"';
          i += 2;
          continue;
        }
        i++;
        break;
      }
      cell += line[i++];
    }
    cells.push(cell);
    if (i === line.length) break;
    if (line[i] !== ',') return null;
    i++;
  }
  return cells.length > 0 ? cells : null;
}

/** Every result row of the output, in order; rows that do not parse (progress noise) are skipped. */
export function parseRedisBenchmarkCsv(text: string): RedisBenchmarkRow[] {
  let fields: readonly (Field | null)[] = HEADERLESS;
  const rows: RedisBenchmarkRow[] = [];
  for (const raw of text.split('\n')) {
    const cells = splitQuoted(raw.trim());
    if (cells === null) continue;
    if (cells[0] === 'test') {
      fields = cells.map((name) => (name in COLUMNS ? COLUMNS[name as keyof typeof COLUMNS] : null));
      continue;
    }
    const row: Partial<Record<Field, string | number>> = {};
    cells.forEach((cell, i) => {
      const field = fields[i];
      if (field === undefined || field === null) return;
      if (field === 'test') row.test = cell;
      else if (cell !== '' && Number.isFinite(Number(cell))) row[field] = Number(cell);
    });
    if (typeof row.test === 'string' && typeof row.rps === 'number') rows.push(row as unknown as RedisBenchmarkRow);
  }
  return rows;
}
