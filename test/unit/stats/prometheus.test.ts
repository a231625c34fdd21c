import { test } from 'node:test';
import assert from 'node:assert/strict';
import { renderPrometheus } from '../../../src/stats/prometheus';
import type { StatsSnapshot } from '../../../src/stats/snapshot';
import { POOL_METRICS, SERVER_METRICS, newPoolStats, newServerStats } from '../../../src/stats/metrics';
import { Histogram, HISTOGRAM_BUCKETS } from '../../../src/stats/histogram';
import type { ProcessInfo } from '../../../src/stats/process-info';
import { parsePrometheus } from './prom-parser';
import type { Family } from './prom-parser';
import { hist } from './snapshot-fixtures';

const WEIRD = 'we"ird\\pool\nname';

function snapshot(): StatsSnapshot {
  return {
    totalConnections: 12,
    currConnections: 5,
    pools: [
      {
        name: 'alpha',
        stats: { ...newPoolStats(), client_eof: 3, client_connections: 2, forward_error: 1 },
        latency: hist(40, 120, 120, 900, 30_000, 20_000_000),
        servers: [
          { name: 's1', stats: { ...newServerStats(), requests: 41, request_bytes: 900, server_ejected_at: 1_700_000_000_500_000 }, ejected: true, latency: hist(80, 80) },
          { name: '127.0.0.1:6379', stats: { ...newServerStats(), requests: 7, server_connections: -1 }, ejected: false, latency: hist() },
        ],
      },
      {
        name: WEIRD,
        stats: newPoolStats(),
        latency: hist(),
        servers: [{ name: 'x', stats: { ...newServerStats(), responses: 2 }, ejected: false, latency: hist(1_000_000) }],
      },
    ],
    extra: { reloads_total: 2, reload_last_success: 1, config_load_time_seconds: 1_700_000_000, connections: 99 },
  };
}

const PROC: ProcessInfo = { startTimeSeconds: 1_700_000_000, cpuSeconds: 1.25, residentBytes: 50_000_000, openFds: 12, maxFds: 1024 };

function sample(f: Family | undefined, labels: Record<string, string>, name = f?.name): number | undefined {
  return f?.samples.find((s) => s.name === name && JSON.stringify(s.labels) === JSON.stringify(labels))?.value;
}

test('the output parses under the strict text-format rules', () => {
  parsePrometheus(renderPrometheus(snapshot(), PROC));
});

test('every pool and server metric of the table is a family, counters with _total', () => {
  const fams = parsePrometheus(renderPrometheus(snapshot(), PROC));
  for (const m of POOL_METRICS) {
    const name = `twemproxy_pool_${m.name}${m.kind === 'counter' ? '_total' : ''}`;
    assert.equal(fams.get(name)?.type, m.kind === 'counter' ? 'counter' : 'gauge', name);
    assert.equal(fams.get(name)?.samples.length, 2, name);
  }
  for (const m of SERVER_METRICS) {
    const short = m.name.replace(/^server_/, '');
    const name = `twemproxy_server_${short}${m.kind === 'counter' ? '_total' : m.kind === 'timestamp' ? '_seconds' : ''}`;
    assert.ok(fams.has(name), name);
    assert.equal(fams.get(name)?.samples.length, 3, name);
  }
});

test('help texts come from the metric table descriptions', () => {
  const fams = parsePrometheus(renderPrometheus(snapshot(), null));
  assert.equal(fams.get('twemproxy_pool_client_eof_total')?.help, 'Number of eof on client connections');
  assert.equal(fams.get('twemproxy_server_request_bytes_total')?.help, 'total request bytes');
});

test('samples carry the snapshot values with pool and server labels', () => {
  const fams = parsePrometheus(renderPrometheus(snapshot(), PROC));
  assert.equal(sample(fams.get('twemproxy_connections_total'), {}), 12);
  assert.equal(sample(fams.get('twemproxy_connections'), {}), 5);
  assert.equal(sample(fams.get('twemproxy_pool_client_connections'), { pool: 'alpha' }), 2);
  assert.equal(sample(fams.get('twemproxy_server_requests_total'), { pool: 'alpha', server: 's1' }), 41);
  assert.equal(sample(fams.get('twemproxy_server_connections'), { pool: 'alpha', server: '127.0.0.1:6379' }), -1);
  assert.equal(sample(fams.get('twemproxy_server_ejected_at_seconds'), { pool: 'alpha', server: 's1' }), 1_700_000_000.5);
});

test('label values are escaped and read back unchanged', () => {
  const text = renderPrometheus(snapshot(), null);
  assert.ok(text.includes('pool="we\\"ird\\\\pool\\nname"'));
  const fams = parsePrometheus(text);
  assert.equal(sample(fams.get('twemproxy_server_responses_total'), { pool: WEIRD, server: 'x' }), 2);
});

test('ejection state is 1 for ejected servers and 0 otherwise', () => {
  const fams = parsePrometheus(renderPrometheus(snapshot(), null));
  const f = fams.get('twemproxy_server_ejected');
  assert.equal(f?.type, 'gauge');
  assert.deepEqual(f?.samples.map((s) => s.value), [1, 0, 0]);
});

test('latency histograms: cumulative buckets in seconds, +Inf equal to the count, sum in seconds', () => {
  const fams = parsePrometheus(renderPrometheus(snapshot(), null));
  const req = fams.get('twemproxy_pool_request_duration_seconds')!;
  assert.equal(req.type, 'histogram');
  const alpha = { pool: 'alpha' };
  const bucket = (le: string) => sample(req, { ...alpha, le }, `${req.name}_bucket`);
  assert.equal(bucket('0.00005'), 1);
  assert.equal(bucket('0.00025'), 3);
  assert.equal(bucket('0.001'), 4);
  assert.equal(bucket('10'), 5);
  assert.equal(bucket('+Inf'), 6);
  assert.equal(sample(req, alpha, `${req.name}_count`), 6);
  assert.ok(Math.abs(sample(req, alpha, `${req.name}_sum`)! - 20.03118) < 1e-9);
  assert.equal(req.samples.filter((s) => s.name.endsWith('_bucket')).length, 2 * HISTOGRAM_BUCKETS);
  const rsp = fams.get('twemproxy_server_response_duration_seconds')!;
  assert.equal(sample(rsp, { pool: WEIRD, server: 'x', le: '1' }, `${rsp.name}_bucket`), 1);
  assert.equal(sample(rsp, { pool: WEIRD, server: 'x', le: '0.5' }, `${rsp.name}_bucket`), 0);
});

test('histograms fed with many random observations stay consistent with their counts', () => {
  const snap = snapshot();
  const h = new Histogram();
  for (let i = 0; i < 5000; i++) h.observe(Math.random() ** 4 * 2e7);
  snap.pools[0].latency = h.toJSON();
  const req = parsePrometheus(renderPrometheus(snap, null)).get('twemproxy_pool_request_duration_seconds')!;
  assert.equal(sample(req, { pool: 'alpha', le: '+Inf' }, `${req.name}_bucket`), 5000);
});

test('extra values become twemproxy_ gauges or counters; clashing names are dropped', () => {
  const fams = parsePrometheus(renderPrometheus(snapshot(), null, { extraHelp: { reloads_total: 'Config reloads' } }));
  assert.equal(fams.get('twemproxy_reloads_total')?.type, 'counter');
  assert.equal(fams.get('twemproxy_reloads_total')?.help, 'Config reloads');
  assert.equal(sample(fams.get('twemproxy_reload_last_success'), {}), 1);
  assert.equal(fams.get('twemproxy_config_load_time_seconds')?.type, 'gauge');
  assert.equal(sample(fams.get('twemproxy_connections'), {}), 5);
});

test('process metrics appear when given and are left out when null', () => {
  const fams = parsePrometheus(renderPrometheus(snapshot(), PROC));
  assert.equal(sample(fams.get('process_cpu_seconds_total'), {}), 1.25);
  assert.equal(sample(fams.get('process_resident_memory_bytes'), {}), 50_000_000);
  assert.equal(sample(fams.get('process_start_time_seconds'), {}), 1_700_000_000);
  assert.equal(sample(fams.get('process_open_fds'), {}), 12);
  assert.equal(fams.has('process_virtual_memory_bytes'), false);
  const none = parsePrometheus(renderPrometheus(snapshot(), null));
  assert.equal([...none.keys()].some((k) => k.startsWith('process_')), false);
});

test('an empty snapshot still renders every family header and parses', () => {
  const fams = parsePrometheus(renderPrometheus({ totalConnections: 0, currConnections: 0, pools: [] }, null));
  assert.equal(fams.get('twemproxy_pool_request_duration_seconds')?.samples.length, 0);
});
