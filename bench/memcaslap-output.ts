// Reads memcaslap (libmemcached's memaslap) output. The closing line `Run time: 3.0s Ops: N TPS: T`
// is always there; with `-S <period>` the tool also prints, at exit, a `Total Statistics (N events)`
// block with min/avg/max and a log2 latency histogram, from which p50/p99 are estimated. An event is
// one command sent (a 10-key multi-get is one event), while Ops/TPS count keys, so requests/s here
// is events per second when the block is present.

export interface MemcaslapLatency {
  events: number;
  minUs: number;
  maxUs: number;
  avgUs: number;
  /** Estimated from the log2 histogram by linear interpolation inside the bucket (see percentile()). */
  p50Us: number;
  p99Us: number;
}

export interface MemcaslapResult {
  runTimeS: number;
  /** The tool's Ops and TPS: get keys + sets, so a 10-key multi-get counts 10. */
  ops: number;
  tps: number;
  /** Commands sent: `Total Statistics` events when present, else ops. */
  requests: number;
  requestsPerSec: number;
  cmdGet?: number;
  cmdSet?: number;
  getMisses?: number;
  latency?: MemcaslapLatency;
}

const FINAL_LINE = /Run time:\s*([\d.]+)s\s+Ops:\s*(\d+)\s+TPS:\s*(\d+)/;
const TOTAL_BLOCK = /^\s*Total Statistics \((\d+) events\)\s*$/;
const COUNTER = /^\s*(cmd_get|cmd_set|get_misses):\s*(\d+)\s*$/;
const BLOCK_FIELD = /^\s*(Min|Max|Avg):\s*(\d+)\s*$/;
const DIST_ROW = /^\s*(\d+):((?:\s+\d+)+)\s*$/;

/**
 * The value below which `fraction` of the events fall. memaslap puts a latency t (us) in bucket
 * i = ceil(log2 t), i.e. (2^(i-1), 2^i]; the estimate interpolates linearly inside that bucket and is
 * clamped to the reported min and max, so it is never outside what was observed.
 */
export function log2Percentile(buckets: readonly number[], fraction: number, minUs: number, maxUs: number): number {
  const total = buckets.reduce((a, b) => a + b, 0);
  if (total === 0) return 0;
  const rank = fraction * total;
  let seen = 0;
  for (let i = 0; i < buckets.length; i++) {
    const n = buckets[i];
    if (n > 0 && seen + n >= rank) {
      const lo = i === 0 ? 0 : 2 ** (i - 1);
      const hi = 2 ** i;
      const estimate = lo + ((rank - seen) / n) * (hi - lo);
      return Math.min(maxUs, Math.max(minUs, estimate));
    }
    seen += n;
  }
  return maxUs;
}

/** The `Total Statistics (N events)` block: fields, then `Log2 Dist:` rows up to a blank line. */
function parseTotalBlock(lines: readonly string[], start: number, events: number): MemcaslapLatency | undefined {
  const fields: Record<string, number> = {};
  const buckets: number[] = [];
  let inDist = false;
  for (let i = start; i < lines.length; i++) {
    const line = lines[i];
    if (line.trim() === '') {
      if (inDist) break;
      continue;
    }
    if (/^\s*Log2 Dist:\s*$/.test(line)) {
      inDist = true;
      continue;
    }
    const field = BLOCK_FIELD.exec(line);
    if (field !== null && !inDist) {
      fields[field[1]] = Number(field[2]);
      continue;
    }
    const row = inDist ? DIST_ROW.exec(line) : null;
    if (row !== null) {
      const first = Number(row[1]);
      row[2]
        .trim()
        .split(/\s+/)
        .forEach((count, k) => (buckets[first + k] = Number(count)));
      continue;
    }
    if (!/^\s*(Geo|Std):/.test(line)) break;
  }
  if (fields.Min === undefined || fields.Max === undefined || fields.Avg === undefined || buckets.length === 0) return undefined;
  const dense = Array.from(buckets, (n) => n ?? 0);
  return {
    events,
    minUs: fields.Min,
    maxUs: fields.Max,
    avgUs: fields.Avg,
    p50Us: log2Percentile(dense, 0.5, fields.Min, fields.Max),
    p99Us: log2Percentile(dense, 0.99, fields.Min, fields.Max),
  };
}

/** null when the output has no closing `Run time:` line (the tool failed or was killed). */
export function parseMemcaslapOutput(text: string): MemcaslapResult | null {
  const lines = text.split('\n');
  let final: RegExpExecArray | null = null;
  let latency: MemcaslapLatency | undefined;
  const counters: Record<string, number> = {};
  lines.forEach((line, i) => {
    const total = TOTAL_BLOCK.exec(line);
    if (total !== null) latency = parseTotalBlock(lines, i + 1, Number(total[1]));
    const counter = COUNTER.exec(line);
    if (counter !== null) counters[counter[1]] = Number(counter[2]);
    final = FINAL_LINE.exec(line) ?? final;
  });
  if (final === null) return null;
  const [, runTime, ops, tps] = final as RegExpExecArray;
  const runTimeS = Number(runTime);
  const got = latency as MemcaslapLatency | undefined;
  const requests = got !== undefined ? got.events : Number(ops);
  return {
    runTimeS,
    ops: Number(ops),
    tps: Number(tps),
    requests,
    requestsPerSec: runTimeS > 0 ? requests / runTimeS : 0,
    cmdGet: counters.cmd_get,
    cmdSet: counters.cmd_set,
    getMisses: counters.get_misses,
    latency: got,
  };
}
