import { test } from 'node:test';
import assert from 'node:assert/strict';
import { renderStatsJson } from '../../../src/stats/stats-json';
import type { StatsSnapshot } from '../../../src/stats/snapshot';
import { POOL_METRICS, SERVER_METRICS, newPoolStats, newServerStats } from '../../../src/stats/metrics';
import { emptyHistogramData } from '../../../src/stats/histogram';
import { serverSnapshot as server } from './snapshot-fixtures';

// Captured from Debian's nutcracker 0.5.0 (pools `beta` with servers `s1` and `s"2`, `alpha` with
// `127.0.0.1:11211:1`; one client connected to beta). Note the raw `"` in a server name.
const NUTCRACKER_DOC =
  '{"service":"nutcracker", "source":"vm", "version":"0.5.0", "uptime":1, "timestamp":1795313926, "total_connections":4, "curr_connections":2, ' +
  '"beta": {"client_eof":0, "client_err":0, "client_connections":1, "server_ejects":0, "forward_error":0, "fragments":0, ' +
  '"s1": {"server_eof":0, "server_err":0, "server_timedout":0, "server_connections":0, "server_ejected_at":0, "requests":0, "request_bytes":0, "responses":0, "response_bytes":0, "in_queue":0, "in_queue_bytes":0, "out_queue":0, "out_queue_bytes":0},' +
  '"s"2": {"server_eof":0, "server_err":0, "server_timedout":0, "server_connections":0, "server_ejected_at":0, "requests":0, "request_bytes":0, "responses":0, "response_bytes":0, "in_queue":0, "in_queue_bytes":0, "out_queue":0, "out_queue_bytes":0}},' +
  '"alpha": {"client_eof":0, "client_err":0, "client_connections":0, "server_ejects":0, "forward_error":0, "fragments":0, ' +
  '"127.0.0.1": {"server_eof":0, "server_err":0, "server_timedout":0, "server_connections":0, "server_ejected_at":0, "requests":0, "request_bytes":0, "responses":0, "response_bytes":0, "in_queue":0, "in_queue_bytes":0, "out_queue":0, "out_queue_bytes":0}}}\n';

test('renders byte for byte the document nutcracker serves, names unescaped', () => {
  const snap: StatsSnapshot = {
    totalConnections: 4,
    currConnections: 2,
    pools: [
      { name: 'beta', stats: { ...newPoolStats(), client_connections: 1 }, latency: emptyHistogramData(), servers: [server('s1'), server('s"2')] },
      { name: 'alpha', stats: newPoolStats(), latency: emptyHistogramData(), servers: [server('127.0.0.1')] },
    ],
  };
  assert.equal(renderStatsJson(snap, { uptime: 1, timestamp: 1795313926, source: 'vm' }), NUTCRACKER_DOC);
});

test('every value lands under its own key, in metric-table order, pools and servers in snapshot order', () => {
  let n = 1;
  const numbered = <T extends Record<string, number>>(s: T): T => {
    for (const k of Object.keys(s)) (s as Record<string, number>)[k] = n++;
    return s;
  };
  const snap: StatsSnapshot = {
    totalConnections: 1001,
    currConnections: 1002,
    pools: ['zz', 'a'].map((p) => ({
      name: p,
      stats: numbered(newPoolStats()),
      latency: emptyHistogramData(),
      servers: ['s2', 's1'].map((s) => ({ ...server(`${p}-${s}`), stats: numbered(newServerStats()) })),
    })),
  };
  const text = renderStatsJson(snap, { uptime: 7, timestamp: 8, source: 'host' });
  assert.ok(text.endsWith('}}}\n') && !text.slice(0, -1).includes('\n'));
  const doc = JSON.parse(text);
  assert.deepEqual(Object.keys(doc), ['service', 'source', 'version', 'uptime', 'timestamp', 'total_connections', 'curr_connections', 'zz', 'a']);
  assert.deepEqual([doc.service, doc.source, doc.version, doc.uptime, doc.timestamp], ['nutcracker', 'host', '0.5.0', 7, 8]);
  assert.deepEqual([doc.total_connections, doc.curr_connections], [1001, 1002]);
  for (const p of snap.pools) {
    assert.deepEqual(Object.keys(doc[p.name]), [...POOL_METRICS.map((m) => m.name), ...p.servers.map((s) => s.name)]);
    for (const m of POOL_METRICS) assert.equal(doc[p.name][m.name], p.stats[m.name]);
    for (const s of p.servers) {
      assert.deepEqual(Object.keys(doc[p.name][s.name]), SERVER_METRICS.map((m) => m.name));
      for (const m of SERVER_METRICS) assert.equal(doc[p.name][s.name][m.name], s.stats[m.name]);
    }
  }
});

test('numbers print as int64 decimals: negative, large, fractional, non-finite', () => {
  const snap: StatsSnapshot = {
    totalConnections: 2.9,
    currConnections: NaN,
    pools: [{
      name: 'p',
      stats: newPoolStats(),
      latency: emptyHistogramData(),
      servers: [server('s', { server_connections: -1, server_ejected_at: 1795313926123456, request_bytes: 1e21 })],
    }],
  };
  const text = renderStatsJson(snap, { uptime: 0, timestamp: 0, source: 'h' });
  assert.match(text, /"total_connections":2, "curr_connections":0, /);
  assert.match(text, /"server_connections":-1, "server_ejected_at":1795313926123456, /);
  assert.match(text, /"request_bytes":1000000000000000000000, /);
});

test('a snapshot without pools still closes the document', () => {
  const text = renderStatsJson({ totalConnections: 0, currConnections: 0, pools: [] }, { uptime: 0, timestamp: 0, source: 'h' });
  assert.ok(text.endsWith('"curr_connections":0}\n'));
  assert.deepEqual(Object.keys(JSON.parse(text)).length, 7);
});

test('a pool whose server list is empty closes like nutcracker would', () => {
  const snap: StatsSnapshot = { totalConnections: 0, currConnections: 0, pools: [{ name: 'p', stats: newPoolStats(), latency: emptyHistogramData(), servers: [] }] };
  const text = renderStatsJson(snap, { uptime: 0, timestamp: 0, source: 'h' });
  assert.ok(text.endsWith('"fragments":0}}\n'));
  JSON.parse(text);
});
