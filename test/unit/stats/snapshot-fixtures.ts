// Stats snapshots for the stats tests: a server or pool with only the counters a test names (the rest
// zero), latency histograms from a list of observations, and the one-pool one-server snapshot the
// stats and metrics endpoints are tested with.

import { Histogram, type HistogramData } from '../../../src/stats/histogram';
import { newPoolStats, newServerStats, type PoolStats, type ServerStats } from '../../../src/stats/metrics';
import type { PoolSnapshot, ServerSnapshot, StatsSnapshot } from '../../../src/stats/snapshot';

/** A latency histogram that observed `us` (microseconds); empty without arguments. */
export function hist(...us: number[]): HistogramData {
  const h = new Histogram();
  for (const x of us) h.observe(x);
  return h.toJSON();
}

export function serverSnapshot(name: string, stats: Partial<ServerStats> = {}, ejected = false, latencyUs: number[] = []): ServerSnapshot {
  return { name, stats: { ...newServerStats(), ...stats }, ejected, latency: hist(...latencyUs) };
}

export function poolSnapshot(name: string, stats: Partial<PoolStats>, servers: ServerSnapshot[], latencyUs: number[] = []): PoolSnapshot {
  return { name, stats: { ...newPoolStats(), ...stats }, latency: hist(...latencyUs), servers };
}

/** Pool `alpha` with server `s1` that has counted `requests`; 3 connections in total, 2 current. */
export function alphaSnapshot(requests: number, extra?: Record<string, number>): StatsSnapshot {
  const snap: StatsSnapshot = { totalConnections: 3, currConnections: 2, pools: [poolSnapshot('alpha', {}, [serverSnapshot('s1', { requests })])] };
  if (extra !== undefined) snap.extra = extra;
  return snap;
}
