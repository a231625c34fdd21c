// Every connection and request is released on every path: a client closing mid-reply, a server
// closing mid-reply, a timeout, an ejection with its probes, a client sending garbage, the proxy
// closing with a probe in flight. After each scenario (and once the fakes drop their connections)
// the stats gauges are back to zero and this process's handle count is back to where it started.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { delay, waitFor } from '../../helpers/processes';
import { connect, resp } from '../../helpers/wire';
import { ask, baselineOf, ejectS2, errorLine, expectReleased, getRequest, handleCount, identity, keysByServer, startFakePool, type Baseline, type FakePool } from './liveness-kit';

const T = { timeout: 20_000 };

/** Close every server connection from the fakes' side, then wait for the baseline. */
async function settle(fp: FakePool, baseline: Baseline): Promise<void> {
  for (const f of fp.fakes) f.dropConnections();
  await expectReleased(fp, baseline);
}

test('a client that closes while its reply is still arriving from the server leaves nothing behind', T, async (t) => {
  const fp = await startFakePool(t, { servers: 1 });
  const baseline = await baselineOf(fp);
  fp.fakes[0].setBehaviour({ mode: 'drip', reply: '$10\r\n0123456789\r\n', dripDelayMs: 10 });
  const c = await connect(fp.port);
  c.send(Buffer.concat([resp('GET', 'a'), resp('GET', 'b'), resp('PING')]));
  await fp.fakes[0].waitForRequests(2);
  await c.close();
  // The server still answers; the replies are read and swallowed.
  await waitFor('both replies read', async () => (fp.server(0).stats.responses === 2 ? true : undefined));
  await settle(fp, baseline);
  assert.equal(fp.pool().stats.client_eof + fp.pool().stats.client_err, 1);
});

test('a client that closes while a large reply is being written to it leaves nothing behind', T, async (t) => {
  const big = Buffer.concat([Buffer.from('$8388608\r\n'), Buffer.alloc(8 * 1024 * 1024, 0x61), Buffer.from('\r\n')]);
  const fp = await startFakePool(t, { servers: 1 });
  const baseline = await baselineOf(fp);
  fp.fakes[0].setBehaviour({ mode: 'answer', reply: big });
  const c = await connect(fp.port);
  c.socket.pause(); // read nothing: the proxy's write to us is stuck half way
  c.send(Buffer.concat([resp('GET', 'a'), resp('GET', 'b'), resp('GET', 'c')]));
  await waitFor('replies on their way', async () => (fp.server(0).stats.responses >= 1 ? true : undefined));
  c.socket.resetAndDestroy();
  await settle(fp, baseline);
});

test('a server that closes mid-reply fails the request and leaves nothing behind', T, async (t) => {
  const fp = await startFakePool(t, { servers: 2 });
  const baseline = await baselineOf(fp);
  const keys = await keysByServer(fp);
  await settle(fp, baseline); // forget the connections key-finding opened
  fp.fakes[1].setBehaviour({ mode: 'close-mid-reply', reply: '$10\r\n0123456789\r\n', cutAfter: 6 });
  const c = await connect(fp.port);
  assert.equal(await ask(c, getRequest(keys.s2[0], 'redis'), 'redis'), '-ERR unknown\r\n');
  // A fragmented request with one fragment cut off: the MGET fails and closes the client (spec §6.5).
  c.send(resp('MGET', keys.s1[0], keys.s2[0]));
  assert.equal(String(await c.readUntilClose()), '-ERR unknown\r\n');
  await settle(fp, baseline);
});

test('requests that time out leave nothing behind, also when their client has gone', T, async (t) => {
  const fp = await startFakePool(t, { servers: 1, directives: { timeout: 100 } });
  const baseline = await baselineOf(fp);
  fp.fakes[0].setBehaviour({ mode: 'silent' });
  const c = await connect(fp.port);
  assert.equal(await ask(c, resp('GET', 'a'), 'redis'), errorLine('Connection timed out', 'redis'));
  c.send(Buffer.concat([resp('GET', 'b'), resp('MGET', 'c', 'd', 'e')]));
  await fp.fakes[0].waitForRequests(3);
  await c.close();
  await waitFor('the orphaned requests to time out', async () => (fp.server(0).stats.server_timedout === 2 ? true : undefined));
  await settle(fp, baseline);
});

test('an ejection, failed probes and the rejoin leave nothing behind', T, async (t) => {
  const fp = await startFakePool(t, { servers: 2, directives: { auto_eject_hosts: true, server_failure_limit: 1, server_retry_timeout: 20, timeout: 200 } });
  const baseline = await baselineOf(fp);
  const keys = await keysByServer(fp);
  const s2 = fp.fakes[1];
  const c = await connect(fp.port);
  const probed = await ejectS2(fp, c, keys.s2[0]);
  await c.close();
  s2.setBehaviour({ mode: 'silent' }); // probes time out
  await s2.waitForRequests(probed + 2);
  s2.setBehaviour({ mode: 'reset' }); // probes are reset
  await s2.waitForRequests(probed + 4);
  s2.setBehaviour(identity('s2', 'redis'));
  await waitFor('s2 to rejoin', async () => (fp.server(1).ejected ? undefined : true));
  // (Dropping the connections may eject a server once more: it is readmitted by the next probe.)
  await settle(fp, baseline);
});

test('a client sending garbage is closed and leaves nothing behind', T, async (t) => {
  const fp = await startFakePool(t, { servers: 1 });
  const baseline = await baselineOf(fp);
  const c = await connect(fp.port);
  c.send(Buffer.concat([resp('GET', 'ok'), Buffer.from('*2\r\n$3\r\nGET\r\n$-7\r\n'), resp('GET', 'never')]));
  const all = String(await c.readUntilClose());
  assert.ok(all.startsWith('+s1\r\n'), `the request before the garbage is answered: ${all}`);
  assert.equal(fp.fakes[0].requests.length, 1, 'nothing after the garbage is forwarded');
  await settle(fp, baseline);
  assert.equal(fp.pool().stats.client_err, 1);
});

test('closing the proxy with a probe in flight releases the probe too', T, async (t) => {
  await delay(20); // let the previous test's handles go
  const before = handleCount();
  // Probes wait up to the pool timeout (10 s here) for an answer that never comes.
  const fp = await startFakePool(t, { servers: 2, directives: { auto_eject_hosts: true, server_failure_limit: 1, server_retry_timeout: 10, timeout: 10_000 } });
  const keys = await keysByServer(fp);
  const s2 = fp.fakes[1];
  const c = await connect(fp.port);
  const probed = await ejectS2(fp, c, keys.s2[0]);
  await c.close();
  s2.setBehaviour({ mode: 'silent' });
  await s2.waitForRequests(probed + 1);
  await fp.running.stop();
  // What is left: the fakes' listeners (still open, so they do not end the probe for the proxy).
  const expected = before + fp.fakes.length;
  await waitFor(`handles back to ${expected}`, async () => (handleCount() === expected ? true : undefined), { timeoutMs: 3000 }).catch((err: Error) => {
    throw new Error(`${err.message}: now ${handleCount()}: ${process.getActiveResourcesInfo().join(', ')}`);
  });
});
