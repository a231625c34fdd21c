// The stats snapshot: a plain copy of every counter, taken by the core (through StatsSource) and
// rendered by the JSON stats server and the Prometheus endpoint. Plain data only, so a worker
// process can send it to the primary over IPC, where `mergeSnapshots` sums the workers' views.
// Pools and servers are listed in the config's order (spec §2.7); renderers keep that order.

import { POOL_METRICS, SERVER_METRICS, newPoolStats, newServerStats } from './metrics';
import type { PoolStats, ServerStats } from './metrics';
import { Histogram } from './histogram';
import type { HistogramData } from './histogram';

export interface ServerSnapshot {
  /** Server name as in the stats JSON (spec §2.5 rule 6). */
  name: string;
  stats: ServerStats;
  /** Currently ejected from the pool's live set. */
  ejected: boolean;
  /** Server response time: request written to the server → its response read. */
  latency: HistogramData;
}

export interface PoolSnapshot {
  name: string;
  stats: PoolStats;
  /** Proxy-measured request latency: client request read → reply written. */
  latency: HistogramData;
  servers: ServerSnapshot[];
}

export interface StatsSnapshot {
  /** Connections ever created: pool listeners + accepted clients + server connections (§4.3). */
  totalConnections: number;
  /** Currently open connections, counted the same way. */
  currConnections: number;
  pools: PoolSnapshot[];
  /**
   * Process-level gauges outside nutcracker's set (e.g. reload counters, last reload result, config
   * load time), rendered only by Prometheus as `twemproxy_<key>`. Keys ending in `_total` are
   * counters (summed on merge); any other key is a gauge (max on merge: timestamps and 0/1 flags).
   */
  extra?: Record<string, number>;
}

/** Implemented by the core: returns a fresh snapshot of its live objects (copies, not references). */
export interface StatsSource {
  snapshot(): StatsSnapshot;
}

// Server metrics that merge by max instead of sum, derived from the metric table.
const SERVER_MAX = new Set<string>(SERVER_METRICS.filter((m) => m.kind === 'timestamp').map((m) => m.name));

/**
 * Merge several processes' snapshots into one: counters and gauges summed by pool/server name,
 * timestamps (server_ejected_at) by max, `ejected` if any process has it ejected, histograms summed.
 * Pools and servers keep the order in which they are first seen. Inputs are not modified.
 */
export function mergeSnapshots(list: readonly StatsSnapshot[]): StatsSnapshot {
  let totalConnections = 0;
  let currConnections = 0;
  const pools = new Map<string, PoolAcc>();
  let extra: Record<string, number> | undefined;

  for (const snap of list) {
    totalConnections += snap.totalConnections;
    currConnections += snap.currConnections;
    for (const p of snap.pools) {
      let pacc = pools.get(p.name);
      if (pacc === undefined) {
        pacc = { stats: newPoolStats(), latency: new Histogram(), servers: new Map() };
        pools.set(p.name, pacc);
      }
      for (const m of POOL_METRICS) pacc.stats[m.name] += p.stats[m.name];
      pacc.latency.addFrom(p.latency);
      for (const s of p.servers) {
        let sacc = pacc.servers.get(s.name);
        if (sacc === undefined) {
          sacc = { stats: newServerStats(), ejected: false, latency: new Histogram() };
          pacc.servers.set(s.name, sacc);
        }
        const st = sacc.stats;
        for (const m of SERVER_METRICS) {
          const v = s.stats[m.name];
          st[m.name] = SERVER_MAX.has(m.name) ? Math.max(st[m.name], v) : st[m.name] + v;
        }
        sacc.ejected ||= s.ejected;
        sacc.latency.addFrom(s.latency);
      }
    }
    if (snap.extra !== undefined) {
      extra ??= {};
      for (const [k, v] of Object.entries(snap.extra)) {
        const prev = extra[k];
        extra[k] = prev === undefined ? v : k.endsWith('_total') ? prev + v : Math.max(prev, v);
      }
    }
  }

  // Map iteration order is insertion order: first-seen order of pools and servers is kept.
  const out: StatsSnapshot = { totalConnections, currConnections, pools: [] };
  for (const [name, pacc] of pools) {
    const servers: ServerSnapshot[] = [];
    for (const [sname, sacc] of pacc.servers) {
      servers.push({ name: sname, stats: sacc.stats, ejected: sacc.ejected, latency: sacc.latency.toJSON() });
    }
    out.pools.push({ name, stats: pacc.stats, latency: pacc.latency.toJSON(), servers });
  }
  if (extra !== undefined) out.extra = extra;
  return out;
}

interface ServerAcc {
  stats: ServerStats;
  ejected: boolean;
  latency: Histogram;
}

interface PoolAcc {
  stats: PoolStats;
  latency: Histogram;
  servers: Map<string, ServerAcc>;
}

// Counter metrics (never go down), derived from the metric table: what a departed process leaves behind.
const POOL_COUNTERS = POOL_METRICS.filter((m) => m.kind === 'counter').map((m) => m.name);
const SERVER_COUNTERS = SERVER_METRICS.filter((m) => m.kind === 'counter').map((m) => m.name);

/**
 * `live` plus the counters (and latency histograms) of processes that are gone, so totals never go
 * down when a worker dies and is replaced. Only pools and servers that still exist in `live` take
 * them (a pool removed by a reload stays removed); gauges and timestamps are live-only. `departed`
 * is a merge of the gone processes' last snapshots; `departedListeners` is how many listener
 * connections those processes counted in totalConnections (each worker counts its own listeners).
 * Inputs are not modified.
 */
export function withDeparted(live: StatsSnapshot, departed: StatsSnapshot, departedListeners: number): StatsSnapshot {
  const out: StatsSnapshot = structuredClone(live);
  out.totalConnections += departed.totalConnections - departedListeners;
  for (const pool of out.pools) {
    const gone = departed.pools.find((p) => p.name === pool.name);
    if (gone === undefined) continue;
    for (const name of POOL_COUNTERS) pool.stats[name] += gone.stats[name];
    pool.latency = new Histogram().addFrom(pool.latency).addFrom(gone.latency).toJSON();
    for (const server of pool.servers) {
      const s = gone.servers.find((g) => g.name === server.name);
      if (s === undefined) continue;
      for (const name of SERVER_COUNTERS) server.stats[name] += s.stats[name];
      server.latency = new Histogram().addFrom(server.latency).addFrom(s.latency).toJSON();
    }
  }
  return out;
}
