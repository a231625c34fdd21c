import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mergeSnapshots } from '../../../src/stats/snapshot';
import type { StatsSnapshot } from '../../../src/stats/snapshot';
import { poolSnapshot as pool, serverSnapshot as server } from './snapshot-fixtures';

const w1: StatsSnapshot = {
  totalConnections: 10,
  currConnections: 4,
  pools: [
    pool('alpha', { client_eof: 1, client_connections: 2 }, [
      server('s1', { requests: 5, server_ejected_at: 1_000, in_queue: 1 }, false, [100]),
      server('s2', { requests: 1 }, true),
    ], [200]),
  ],
  extra: { reloads_total: 1, config_loaded_at: 100 },
};

const w2: StatsSnapshot = {
  totalConnections: 7,
  currConnections: 3,
  pools: [
    pool('beta', { forward_error: 9 }, [server('b1', { responses: 3 })]),
    pool('alpha', { client_eof: 2, client_connections: 1 }, [
      server('s3', { requests: 4 }),
      server('s1', { requests: 2, server_ejected_at: 5_000, in_queue: 2, server_connections: -1 }, false, [100, 9_000]),
    ], [200, 300]),
  ],
  extra: { reloads_total: 2, config_loaded_at: 50 },
};

test('merging sums connection counts, pool counters and gauges by pool name', () => {
  const m = mergeSnapshots([w1, w2]);
  assert.equal(m.totalConnections, 17);
  assert.equal(m.currConnections, 7);
  const alpha = m.pools.find((p) => p.name === 'alpha')!;
  assert.equal(alpha.stats.client_eof, 3);
  assert.equal(alpha.stats.client_connections, 3);
  assert.equal(m.pools.find((p) => p.name === 'beta')!.stats.forward_error, 9);
});

test('merging sums server counters by name and keeps the latest ejection timestamp', () => {
  const s1 = mergeSnapshots([w1, w2]).pools[0].servers.find((s) => s.name === 's1')!;
  assert.equal(s1.stats.requests, 7);
  assert.equal(s1.stats.in_queue, 3);
  assert.equal(s1.stats.server_connections, -1);
  assert.equal(s1.stats.server_ejected_at, 5_000);
});

test('a server is ejected in the merge if any process has it ejected', () => {
  const servers = mergeSnapshots([w1, w2]).pools[0].servers;
  assert.equal(servers.find((s) => s.name === 's2')!.ejected, true);
  assert.equal(servers.find((s) => s.name === 's1')!.ejected, false);
});

test('merging sums latency histograms of pools and servers', () => {
  const alpha = mergeSnapshots([w1, w2]).pools[0];
  assert.equal(alpha.latency.count, 3);
  assert.equal(alpha.latency.sum, 700);
  const s1 = alpha.servers.find((s) => s.name === 's1')!;
  assert.equal(s1.latency.count, 3);
  assert.equal(s1.latency.counts[1], 2);
});

test('pools and servers keep the order in which they are first seen', () => {
  const m = mergeSnapshots([w1, w2]);
  assert.deepEqual(m.pools.map((p) => p.name), ['alpha', 'beta']);
  assert.deepEqual(m.pools[0].servers.map((s) => s.name), ['s1', 's2', 's3']);
});

test('extra values: _total keys are summed, other keys take the maximum', () => {
  assert.deepEqual(mergeSnapshots([w1, w2]).extra, { reloads_total: 3, config_loaded_at: 100 });
  assert.equal(mergeSnapshots([{ ...w1, extra: undefined }]).extra, undefined);
});

test('merging does not modify its inputs and its result is structured-clone-able', () => {
  const before = structuredClone([w1, w2]);
  const m = mergeSnapshots([w1, w2]);
  assert.deepEqual([w1, w2], before);
  assert.deepEqual(structuredClone(m), m);
  m.pools[0].stats.client_eof = 1234;
  assert.equal(w1.pools[0].stats.client_eof, 1);
});

test('merging one snapshot reproduces it; merging none gives an empty snapshot', () => {
  assert.deepEqual(mergeSnapshots([w1]), w1);
  assert.deepEqual(mergeSnapshots([]), { totalConnections: 0, currConnections: 0, pools: [] });
});
