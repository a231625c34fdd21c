// `timeout` (spec §8.3), driven by fake backends: a request with no complete reply by its deadline
// fails with `Connection timed out` in its protocol, the whole server connection is closed with it
// (every other request in flight there fails the same way, whoever sent it), and the next request
// gets a new connection. The same faults through Debian's nutcracker give the same bytes.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hasNutcracker, startNutcracker } from '../../helpers/backends';
import { startFakeBackend } from '../../helpers/fake-backend';
import { poolYaml } from '../../helpers/proxy';
import { clientFor, exchangeOnce, resp } from '../../helpers/wire';
import { clockRunning } from '../../../src/proxy/clock';
import { waitFor } from '../../helpers/processes';
import { ask, errorLine, getRequest, startFakePool } from './liveness-kit';

const T = { timeout: 20_000 };
const TIMED_OUT = errorLine('Connection timed out', 'redis');

test('a request with no reply in time fails with -ERR Connection timed out and so does every other request on that connection', T, async (t) => {
  const fp = await startFakePool(t, { servers: 1, directives: { timeout: 300 } });
  const fake = fp.fakes[0];
  fake.setBehaviour({ mode: 'silent' });
  const a = await clientFor(t, fp.port);
  const b = await clientFor(t, fp.port);
  a.send(resp('GET', 'first'));
  await fake.waitForRequests(1);
  // b's request is queued later on the same (only) server connection: it has a later deadline of its
  // own, but fails when the connection is closed for a's.
  b.send(resp('GET', 'second'));
  await fake.waitForRequests(2);
  assert.equal(fake.connections, 1, 'both requests shared one server connection');
  const [ra, rb] = await Promise.all([a.readReply('redis'), b.readReply('redis')]);
  assert.equal(String(ra), TIMED_OUT);
  assert.equal(String(rb), TIMED_OUT);
  assert.equal(fp.server(0).stats.server_timedout, 1, 'one connection closed, counted once');
  assert.equal(fp.pool().stats.forward_error, 2);
  await fake.waitUntil('the timed-out connection to be closed', () => fake.open === 0);

  fake.setBehaviour({ mode: 'answer', reply: '+back\r\n' });
  assert.equal(await ask(a, resp('GET', 'third'), 'redis'), '+back\r\n');
  assert.equal(fake.connections, 2, 'the next request opened a new connection');
  assert.equal(a.closed || b.closed, false, 'clients keep their connections');
});

test('the clock stops while nothing is outstanding, and a request queued after that still times out', T, async (t) => {
  const fp = await startFakePool(t, { servers: 1, directives: { timeout: 200 } });
  const c = await clientFor(t, fp.port);
  assert.equal(await ask(c, resp('GET', 'a'), 'redis'), '+s1\r\n');
  // An idle proxy does not wake up every tick: the timer stops once no request has a deadline.
  await waitFor('the clock to stop', async () => (clockRunning() ? undefined : true));
  fp.fakes[0].setBehaviour({ mode: 'silent' });
  c.send(resp('GET', 'b'));
  assert.equal(String(await c.readReply('redis')), TIMED_OUT);
  assert.equal(fp.server(0).stats.server_timedout, 1);
});

test('pipelined requests to a stalled server time out in order, with a locally answered PING in its place', T, async (t) => {
  const fp = await startFakePool(t, { servers: 1, directives: { timeout: 200 } });
  fp.fakes[0].setBehaviour({ mode: 'silent' });
  const c = await clientFor(t, fp.port);
  c.send(Buffer.concat([resp('GET', 'a'), resp('SET', 'b', '1'), resp('PING'), resp('GET', 'c')]));
  assert.deepEqual((await c.readReplies(4, 'redis')).map(String), [TIMED_OUT, TIMED_OUT, '+PONG\r\n', TIMED_OUT]);
  assert.equal(fp.server(0).stats.server_timedout, 1);
});

test('memcached requests time out with SERVER_ERROR Connection timed out; noreply requests get nothing', T, async (t) => {
  const fp = await startFakePool(t, { protocol: 'memcache', servers: 1, directives: { timeout: 200 } });
  fp.fakes[0].setBehaviour({ mode: 'silent' });
  const c = await clientFor(t, fp.port);
  c.send('set quiet 0 0 1 noreply\r\nx\r\nget a\r\nset b 0 0 1\r\ny\r\n');
  assert.deepEqual((await c.readReplies(2, 'memcache')).map(String), [
    errorLine('Connection timed out', 'memcache'),
    errorLine('Connection timed out', 'memcache'),
  ]);
  assert.equal(c.pending.length, 0, 'nothing for the noreply set');
});

test('the deadline covers the whole reply: one dripped slower than the timeout fails even while bytes arrive', T, async (t) => {
  const reply = '$10\r\n0123456789\r\n'; // 17 bytes
  const fp = await startFakePool(t, { servers: 1, directives: { timeout: 300 } });
  fp.fakes[0].setBehaviour({ mode: 'drip', reply, dripDelayMs: 60 }); // about 1 s for the whole reply
  const c = await clientFor(t, fp.port);
  assert.equal(await ask(c, getRequest('slow', 'redis'), 'redis'), TIMED_OUT);

  fp.fakes[0].setBehaviour({ mode: 'drip', reply, dripDelayMs: 1 }); // well inside the timeout
  assert.equal(await ask(c, getRequest('quick', 'redis'), 'redis'), reply);
});

test('without timeout a silent server keeps the request waiting (nutcracker waits forever by default)', T, async (t) => {
  const fp = await startFakePool(t, { servers: 1 });
  fp.fakes[0].setBehaviour({ mode: 'silent' });
  const c = await clientFor(t, fp.port);
  c.send(resp('GET', 'a'));
  await fp.fakes[0].waitForRequests(1);
  await assert.rejects(c.readReply('redis', 700), /timed out after 700 ms; received ""/);
  assert.equal(fp.server(0).stats.server_timedout, 0);
  // It ends only with the connection: a server FIN with the request outstanding is `-ERR unknown`.
  fp.fakes[0].dropConnections();
  assert.equal(String(await c.readReply('redis')), '-ERR unknown\r\n');
});

test('the same stalled server gives the same bytes through nutcracker and through our proxy', { ...T, skip: !hasNutcracker() && 'nutcracker not installed' }, async (t) => {
  const fake = await startFakeBackend({ mode: 'silent' });
  t.after(() => fake.close());
  const { yaml, ports } = await poolYaml({ name: 'nc', redis: true, servers: [fake], directives: { timeout: 250 } });
  const nc = await startNutcracker(yaml);
  t.after(() => nc.stop());
  const ours = await startFakePool(t, { servers: 1, directives: { timeout: 250 } });
  ours.fakes[0].setBehaviour({ mode: 'silent' });
  const script = Buffer.concat([resp('GET', 'a'), resp('SET', 'b', '1'), resp('PING'), resp('DEL', 'c', 'd')]);
  const run = async (port: number): Promise<string[]> => (await exchangeOnce(port, script, 4, 'redis')).map(String);
  const [theirs, mine] = await Promise.all([run(ports.nc), run(ours.port)]);
  assert.deepEqual(mine, theirs);
  assert.deepEqual(mine, [TIMED_OUT, TIMED_OUT, '+PONG\r\n', TIMED_OUT]);
});

test('a server that never answers the injected AUTH still times out the requests queued behind it', T, async (t) => {
  // The proxy's own AUTH goes first on a new server connection and has no client waiting for it; the
  // client's request behind it must still fail at its deadline instead of waiting forever.
  const fp = await startFakePool(t, { servers: 1, directives: { timeout: 300, redis_auth: 'pw' } });
  const fake = fp.fakes[0];
  fake.setBehaviour({ mode: 'silent' });
  const c = await clientFor(t, fp.port);
  assert.equal(await ask(c, resp('AUTH', 'pw'), 'redis'), '+OK\r\n');
  assert.equal(await ask(c, resp('GET', 'k'), 'redis'), TIMED_OUT);
  assert.equal(fp.server(0).stats.server_timedout, 1);
});
