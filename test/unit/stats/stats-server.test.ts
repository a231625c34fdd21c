// The stats port over real TCP on a free port: one document per connection then close, uptime and
// timestamp, async snapshots, ignored input, a failing snapshot, a port already in use, close().

import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { StatsServer, type SnapshotProvider, type StatsServerOptions } from '../../../src/stats/stats-server';
import { renderStatsJson } from '../../../src/stats/stats-json';
import { occupyPort } from '../../helpers/ports';
import { readAll } from '../../helpers/wire';
import { alphaSnapshot as snap } from './snapshot-fixtures';

/** A stats server on a free port, closed after the test. */
async function serve(t: TestContext, getSnapshot: SnapshotProvider, opts?: StatsServerOptions): Promise<StatsServer> {
  const server = await StatsServer.start('127.0.0.1', 0, getSnapshot, opts);
  t.after(() => server.close());
  return server;
}

/** Connect, optionally send something, and collect everything until the server closes. */
async function fetchStats(port: number, send?: string): Promise<string> {
  return (await readAll(port, { send })).toString();
}

test('each connection gets the current stats document, then the server closes it', async (t) => {
  let requests = 0;
  const server = await serve(t, () => snap(++requests), { source: 'testhost' });
  assert.ok(server.port > 0);
  const first = await fetchStats(server.port);
  const second = await fetchStats(server.port);
  const doc1 = JSON.parse(first);
  assert.equal(doc1.source, 'testhost');
  assert.equal(doc1.alpha.s1.requests, 1);
  assert.equal(JSON.parse(second).alpha.s1.requests, 2);
  const { uptime, timestamp } = doc1;
  assert.equal(first, renderStatsJson(snap(1), { uptime, timestamp, source: 'testhost' }));
});

test('uptime counts from the given start time; timestamp is the current unix time', async (t) => {
  const server = await serve(t, () => snap(0), { startTime: Date.now() - 3_600_000 });
  const before = Math.floor(Date.now() / 1000);
  const doc = JSON.parse(await fetchStats(server.port));
  const after = Math.floor(Date.now() / 1000);
  assert.ok(doc.timestamp >= before && doc.timestamp <= after);
  assert.ok(doc.uptime >= 3599 && doc.uptime <= 3601, `uptime ${doc.uptime}`);
});

test('an asynchronous snapshot provider is awaited', async (t) => {
  const server = await serve(t, async () => snap(42));
  assert.equal(JSON.parse(await fetchStats(server.port)).alpha.s1.requests, 42);
});

test('whatever the client sends is ignored; it still gets the whole document', async (t) => {
  const server = await serve(t, () => snap(7));
  const text = await fetchStats(server.port, 'stats\r\nGET / HTTP/1.0\r\n\r\n');
  assert.equal(JSON.parse(text).alpha.s1.requests, 7);
});

test('when the snapshot fails the connection is closed without data and onError hears of it', async (t) => {
  const errors: unknown[] = [];
  const server = await serve(t, () => { throw new Error('core busy'); }, { onError: (e) => errors.push(e) });
  assert.equal(await fetchStats(server.port), '');
  assert.equal((errors[0] as Error).message, 'core busy');
});

test('binding a port in use fails with a nutcracker-style message', async (t) => {
  const { port, release } = await occupyPort();
  t.after(release);
  await assert.rejects(StatsServer.start('127.0.0.1', port, () => snap(0)), (err: Error & { code?: string }) => {
    assert.equal(err.message, `bind to stats server addr '127.0.0.1:${port}' failed: Address already in use`);
    assert.equal(err.code, 'EADDRINUSE');
    return true;
  });
});

test('close stops listening', async () => {
  const server = await StatsServer.start('127.0.0.1', 0, () => snap(0));
  const port = server.port;
  await server.close();
  await assert.rejects(fetchStats(port), /ECONNREFUSED/);
});
