import { test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { MetricsServer } from '../../../src/stats/metrics-server';
import type { StatsSnapshot } from '../../../src/stats/snapshot';
import { newPoolStats, newServerStats } from '../../../src/stats/metrics';
import { emptyHistogramData } from '../../../src/stats/histogram';
import { parsePrometheus } from './prom-parser';

function snap(requests: number): StatsSnapshot {
  return {
    totalConnections: 3,
    currConnections: 2,
    pools: [{
      name: 'alpha',
      stats: newPoolStats(),
      latency: emptyHistogramData(),
      servers: [{ name: 's1', stats: { ...newServerStats(), requests }, ejected: false, latency: emptyHistogramData() }],
    }],
    extra: { reloads_total: 4 },
  };
}

function get(port: number, path: string, method = 'GET'): Promise<{ status: number; type: string; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type']), body: Buffer.concat(chunks).toString() }));
    });
    req.on('error', reject);
    req.end();
  });
}

test('GET /metrics answers valid Prometheus text with the live values', async () => {
  let n = 0;
  const server = await MetricsServer.start('127.0.0.1', 0, () => snap(++n));
  try {
    const r = await get(server.port, '/metrics');
    assert.equal(r.status, 200);
    assert.equal(r.type, 'text/plain; version=0.0.4; charset=utf-8');
    const fams = parsePrometheus(r.body);
    assert.equal(fams.get('twemproxy_server_requests_total')?.samples[0].value, 1);
    assert.equal(fams.get('twemproxy_reloads_total')?.samples[0].value, 4);
    assert.ok((fams.get('process_resident_memory_bytes')?.samples[0].value ?? 0) > 0);
    const again = parsePrometheus((await get(server.port, '/metrics?x=1')).body);
    assert.equal(again.get('twemproxy_server_requests_total')?.samples[0].value, 2);
  } finally {
    await server.close();
  }
});

test('other paths and methods get 404', async () => {
  const server = await MetricsServer.start('127.0.0.1', 0, () => snap(0));
  try {
    assert.equal((await get(server.port, '/')).status, 404);
    assert.equal((await get(server.port, '/metrics/x')).status, 404);
    assert.equal((await get(server.port, '/metrics', 'POST')).status, 404);
  } finally {
    await server.close();
  }
});

test('HEAD /metrics answers 200 without a body', async () => {
  const server = await MetricsServer.start('127.0.0.1', 0, () => snap(0));
  try {
    const r = await get(server.port, '/metrics', 'HEAD');
    assert.equal(r.status, 200);
    assert.equal(r.body, '');
  } finally {
    await server.close();
  }
});

test('a custom process-info provider replaces this process\'s figures; null omits them', async () => {
  const custom = await MetricsServer.start('127.0.0.1', 0, () => snap(0), {
    processInfo: async () => ({ startTimeSeconds: 5, cpuSeconds: 9, residentBytes: 1 }),
  });
  const none = await MetricsServer.start('127.0.0.1', 0, () => snap(0), { processInfo: () => null });
  try {
    const fams = parsePrometheus((await get(custom.port, '/metrics')).body);
    assert.equal(fams.get('process_cpu_seconds_total')?.samples[0].value, 9);
    assert.equal(fams.has('process_open_fds'), false);
    const bare = parsePrometheus((await get(none.port, '/metrics')).body);
    assert.equal([...bare.keys()].some((k) => k.startsWith('process_')), false);
  } finally {
    await custom.close();
    await none.close();
  }
});

test('a failing snapshot gives 500 and reaches onError', async () => {
  const errors: unknown[] = [];
  const server = await MetricsServer.start('127.0.0.1', 0, async () => { throw new Error('nope'); }, { onError: (e) => errors.push(e) });
  try {
    assert.equal((await get(server.port, '/metrics')).status, 500);
    assert.equal((errors[0] as Error).message, 'nope');
  } finally {
    await server.close();
  }
});

test('binding a port in use fails with a clear message', async () => {
  const blocker = createServer();
  await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
  const port = (blocker.address() as AddressInfo).port;
  try {
    await assert.rejects(MetricsServer.start('127.0.0.1', port, () => snap(0)), {
      message: `bind to metrics server addr '127.0.0.1:${port}' failed: Address already in use`,
    });
  } finally {
    await new Promise((r) => blocker.close(r));
  }
});
