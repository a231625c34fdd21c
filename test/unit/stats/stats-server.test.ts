import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect, createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { StatsServer } from '../../../src/stats/stats-server';
import { renderStatsJson } from '../../../src/stats/stats-json';
import type { StatsSnapshot } from '../../../src/stats/snapshot';
import { newPoolStats, newServerStats } from '../../../src/stats/metrics';
import { emptyHistogramData } from '../../../src/stats/histogram';

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
  };
}

/** Connect, optionally send something, and collect everything until the server closes. */
function fetchStats(port: number, send?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const sock = connect(port, '127.0.0.1', () => {
      if (send !== undefined) sock.write(send);
    });
    sock.on('data', (c) => chunks.push(c));
    sock.on('error', reject);
    sock.on('close', () => resolve(Buffer.concat(chunks).toString()));
  });
}

test('each connection gets the current stats document, then the server closes it', async () => {
  let requests = 0;
  const server = await StatsServer.start('127.0.0.1', 0, () => snap(++requests), { source: 'testhost' });
  try {
    assert.ok(server.port > 0);
    const first = await fetchStats(server.port);
    const second = await fetchStats(server.port);
    const doc1 = JSON.parse(first);
    assert.equal(doc1.source, 'testhost');
    assert.equal(doc1.alpha.s1.requests, 1);
    assert.equal(JSON.parse(second).alpha.s1.requests, 2);
    const { uptime, timestamp } = doc1;
    assert.equal(first, renderStatsJson(snap(1), { uptime, timestamp, source: 'testhost' }));
  } finally {
    await server.close();
  }
});

test('uptime counts from the given start time; timestamp is the current unix time', async () => {
  const server = await StatsServer.start('127.0.0.1', 0, () => snap(0), { startTime: Date.now() - 3_600_000 });
  try {
    const before = Math.floor(Date.now() / 1000);
    const doc = JSON.parse(await fetchStats(server.port));
    const after = Math.floor(Date.now() / 1000);
    assert.ok(doc.timestamp >= before && doc.timestamp <= after);
    assert.ok(doc.uptime >= 3599 && doc.uptime <= 3601, `uptime ${doc.uptime}`);
  } finally {
    await server.close();
  }
});

test('an asynchronous snapshot provider is awaited', async () => {
  const server = await StatsServer.start('127.0.0.1', 0, async () => snap(42));
  try {
    assert.equal(JSON.parse(await fetchStats(server.port)).alpha.s1.requests, 42);
  } finally {
    await server.close();
  }
});

test('whatever the client sends is ignored; it still gets the whole document', async () => {
  const server = await StatsServer.start('127.0.0.1', 0, () => snap(7));
  try {
    const text = await fetchStats(server.port, 'stats\r\nGET / HTTP/1.0\r\n\r\n');
    assert.equal(JSON.parse(text).alpha.s1.requests, 7);
  } finally {
    await server.close();
  }
});

test('when the snapshot fails the connection is closed without data and onError hears of it', async () => {
  const errors: unknown[] = [];
  const server = await StatsServer.start('127.0.0.1', 0, () => { throw new Error('core busy'); }, { onError: (e) => errors.push(e) });
  try {
    assert.equal(await fetchStats(server.port), '');
    assert.equal((errors[0] as Error).message, 'core busy');
  } finally {
    await server.close();
  }
});

test('binding a port in use fails with a nutcracker-style message', async () => {
  const blocker = createServer();
  await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
  const port = (blocker.address() as AddressInfo).port;
  try {
    await assert.rejects(StatsServer.start('127.0.0.1', port, () => snap(0)), (err: Error & { code?: string }) => {
      assert.equal(err.message, `bind to stats server addr '127.0.0.1:${port}' failed: Address already in use`);
      assert.equal(err.code, 'EADDRINUSE');
      return true;
    });
  } finally {
    await new Promise((r) => blocker.close(r));
  }
});

test('close stops listening', async () => {
  const server = await StatsServer.start('127.0.0.1', 0, () => snap(0));
  const port = server.port;
  await server.close();
  await assert.rejects(fetchStats(port), /ECONNREFUSED/);
});
