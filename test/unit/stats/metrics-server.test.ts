// The Prometheus endpoint over real HTTP on a free port: live values per scrape, 404 elsewhere, HEAD,
// process figures, a failing snapshot, and a port already in use.

import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { MetricsServer, type MetricsServerOptions } from '../../../src/stats/metrics-server';
import type { StatsSnapshot } from '../../../src/stats/snapshot';
import type { SnapshotProvider } from '../../../src/stats/stats-server';
import { httpGet } from '../../helpers/http-get';
import { occupyPort } from '../../helpers/ports';
import { parsePrometheus } from './prom-parser';
import { alphaSnapshot } from './snapshot-fixtures';

const snap = (requests: number): StatsSnapshot => alphaSnapshot(requests, { reloads_total: 4 });

/** A metrics server on a free port, closed after the test. */
async function serve(t: TestContext, getSnapshot: SnapshotProvider, opts?: MetricsServerOptions): Promise<MetricsServer> {
  const server = await MetricsServer.start('127.0.0.1', 0, getSnapshot, opts);
  t.after(() => server.close());
  return server;
}

test('GET /metrics answers valid Prometheus text with the live values', async (t) => {
  let n = 0;
  const server = await serve(t, () => snap(++n));
  const r = await httpGet(server.port, '/metrics');
  assert.equal(r.status, 200);
  assert.equal(r.type, 'text/plain; version=0.0.4; charset=utf-8');
  const fams = parsePrometheus(r.body);
  assert.equal(fams.get('twemproxy_server_requests_total')?.samples[0].value, 1);
  assert.equal(fams.get('twemproxy_reloads_total')?.samples[0].value, 4);
  assert.ok((fams.get('process_resident_memory_bytes')?.samples[0].value ?? 0) > 0);
  const again = parsePrometheus((await httpGet(server.port, '/metrics?x=1')).body);
  assert.equal(again.get('twemproxy_server_requests_total')?.samples[0].value, 2);
});

test('other paths and methods get 404', async (t) => {
  const server = await serve(t, () => snap(0));
  assert.equal((await httpGet(server.port, '/')).status, 404);
  assert.equal((await httpGet(server.port, '/metrics/x')).status, 404);
  assert.equal((await httpGet(server.port, '/metrics', 'POST')).status, 404);
});

test('HEAD /metrics answers 200 without a body', async (t) => {
  const server = await serve(t, () => snap(0));
  const r = await httpGet(server.port, '/metrics', 'HEAD');
  assert.equal(r.status, 200);
  assert.equal(r.body, '');
});

test('a custom process-info provider replaces this process\'s figures; null omits them', async (t) => {
  const custom = await serve(t, () => snap(0), {
    processInfo: async () => ({ startTimeSeconds: 5, cpuSeconds: 9, residentBytes: 1 }),
  });
  const none = await serve(t, () => snap(0), { processInfo: () => null });
  const fams = parsePrometheus((await httpGet(custom.port, '/metrics')).body);
  assert.equal(fams.get('process_cpu_seconds_total')?.samples[0].value, 9);
  assert.equal(fams.has('process_open_fds'), false);
  const bare = parsePrometheus((await httpGet(none.port, '/metrics')).body);
  assert.equal([...bare.keys()].some((k) => k.startsWith('process_')), false);
});

test('a failing snapshot gives 500 and reaches onError', async (t) => {
  const errors: unknown[] = [];
  const server = await serve(t, async () => { throw new Error('nope'); }, { onError: (e) => errors.push(e) });
  assert.equal((await httpGet(server.port, '/metrics')).status, 500);
  assert.equal((errors[0] as Error).message, 'nope');
});

test('binding a port in use fails with a clear message', async (t) => {
  const { port, release } = await occupyPort();
  t.after(release);
  await assert.rejects(MetricsServer.start('127.0.0.1', port, () => snap(0)), {
    message: `bind to metrics server addr '127.0.0.1:${port}' failed: Address already in use`,
  });
});
