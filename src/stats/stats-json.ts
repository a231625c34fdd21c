// The stats document nutcracker serves on its stats port, byte for byte (spec §4.2): one line, items
// separated by ", ", nested objects closed by rewriting the trailing separator exactly as
// nc_stats.c does, names written raw (no JSON escaping, as nutcracker), numbers as int64 decimals.
// "service" stays "nutcracker" and "version" "0.5.0" on purpose: existing exporters and dashboards
// match on them. Pools and servers appear in snapshot order, which the core takes from the config
// (already sorted as nutcracker sorts them, spec §2.7).

import { POOL_METRICS, SERVER_METRICS } from './metrics';
import type { StatsSnapshot } from './snapshot';

/** Fixed header values; kept as nutcracker's so tools that check them keep working. */
export const STATS_SERVICE = 'nutcracker';
export const STATS_VERSION = '0.5.0';

export interface StatsJsonInfo {
  /** Seconds since the proxy started. */
  uptime: number;
  /** Unix time, seconds. */
  timestamp: number;
  /** Host name (nutcracker: gethostname()). */
  source: string;
}

/** A number as nutcracker prints an int64_t: truncated, no exponent, non-finite as 0. */
function int64(v: number): string {
  if (!Number.isFinite(v)) return '0';
  const t = Math.trunc(v);
  // String() switches to exponent notation at 1e21; BigInt never does.
  return Math.abs(t) < 1e21 ? String(t) : BigInt(t).toString();
}

/** Renders the stats JSON line (with its final "\n"). */
export function renderStatsJson(snap: StatsSnapshot, info: StatsJsonInfo): string {
  let s =
    `{"service":"${STATS_SERVICE}", "source":"${info.source}", "version":"${STATS_VERSION}", ` +
    `"uptime":${int64(info.uptime)}, "timestamp":${int64(info.timestamp)}, ` +
    `"total_connections":${int64(snap.totalConnections)}, "curr_connections":${int64(snap.currConnections)}, `;

  for (const pool of snap.pools) {
    s += `"${pool.name}": {`;
    for (const m of POOL_METRICS) s += `"${m.name}":${int64(pool.stats[m.name])}, `;
    for (const server of pool.servers) {
      s += `"${server.name}": {`;
      for (const m of SERVER_METRICS) s += `"${m.name}":${int64(server.stats[m.name])}, `;
      s = endNesting(s);
    }
    s = endNesting(s);
  }

  // stats_end: the last "," becomes "}". With no pools (impossible in nutcracker: a config needs one)
  // the document would end in ", "; drop the separator instead so the output stays valid JSON.
  if (s.endsWith(', ')) return s.slice(0, -2) + '}\n';
  return s.slice(0, -1) + '}\n';
}

/**
 * stats_end_nesting: after an item the text ends in ", ", which becomes "},"; after a nested object it
 * ends in "},", which becomes "}},".
 */
function endNesting(s: string): string {
  if (s.endsWith(', ')) return s.slice(0, -2) + '},';
  return s.slice(0, -1) + '},';
}
