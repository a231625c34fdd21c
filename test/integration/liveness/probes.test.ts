// Our improvement over nutcracker (which puts an ejected server back blindly after
// server_retry_timeout and lets the next client request find out): an ejected server is probed in
// the background (its own connection, PING / version) every server_retry_timeout, and rejoins only
// when a probe is answered. Client requests are never probes: once a server is ejected, no client
// sees an error for it again until it is back.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { redisProtocol } from '../../../src/protocol/redis';
import { memcacheProtocol } from '../../../src/protocol/memcache';
import { hasNutcracker, startNutcracker } from '../../helpers/backends';
import type { WireProtocol } from '../../helpers/frame-length';
import { delay, waitFor } from '../../helpers/processes';
import { poolYaml } from '../../helpers/proxy';
import { clientFor, connect } from '../../helpers/wire';
import { ask, ejectS2, errorLine, getRequest, identity, keysByServer, servedBy, startFakePool, type Ctx } from './liveness-kit';

const T = { timeout: 20_000 };
const PROBE: Record<WireProtocol, Buffer> = { redis: redisProtocol.probeRequest, memcache: memcacheProtocol.probeRequest };

/** s2 of three fakes, ejected after one reset; probed every `retry` ms. */
async function ejectedS2(t: Ctx, protocol: WireProtocol, retry: number, extra: Record<string, number> = {}) {
  const fp = await startFakePool(t, { protocol, directives: { auto_eject_hosts: true, server_failure_limit: 1, server_retry_timeout: retry, ...extra } });
  const keys = await keysByServer(fp, 5);
  const c = await clientFor(t, fp.port);
  const ejectedAt = await ejectS2(fp, c, keys.s2[0]);
  return { fp, c, keys, s2: fp.fakes[1], ejectedAt };
}

for (const protocol of ['redis', 'memcache'] as const) {
  test(`${protocol}: an ejected server stays out while its probes fail, and no client request reaches it meanwhile`, T, async (t) => {
    const { fp, c, keys, s2, ejectedAt } = await ejectedS2(t, protocol, 50);
    // Client traffic for s2's keys, across several failed probes (each probe is recorded, then reset).
    let rounds = 0;
    while (s2.requests.length - ejectedAt < 4 || rounds < 10) {
      c.send(Buffer.concat(keys.s2.map((k) => getRequest(k, protocol))));
      const replies = await c.readReplies(keys.s2.length, protocol);
      for (const r of replies) assert.match(String(servedBy(r, protocol)), /^s[13]$/, `served by a live server: ${String(r)}`);
      rounds++;
      await delay(20);
    }
    const after = s2.requests.slice(ejectedAt);
    assert.ok(after.length >= 4, 'several probes were made');
    for (const r of after) assert.deepEqual(r, PROBE[protocol], 'only probes reach the ejected server');
    assert.equal(fp.server(1).ejected, true);
    assert.equal(fp.pool().stats.server_ejects, 1, 'a failed probe is not another ejection');
  });

  test(`${protocol}: an ejected server rejoins once it answers a probe and gets its keys back`, T, async (t) => {
    const { fp, c, keys, s2, ejectedAt } = await ejectedS2(t, protocol, 50);
    s2.setBehaviour(identity('s2', protocol));
    await waitFor('s2 to rejoin', async () => (fp.server(1).ejected ? undefined : true));
    assert.deepEqual(s2.requests[ejectedAt], PROBE[protocol], 'the first thing it saw again was a probe');
    c.send(Buffer.concat(keys.s2.map((k) => getRequest(k, protocol))));
    const replies = await c.readReplies(keys.s2.length, protocol);
    assert.deepEqual(replies.map((r) => servedBy(r, protocol)), keys.s2.map(() => 's2'));
  });
}

test('a probe that gets no answer within the pool timeout fails, and its connection is not left open', T, async (t) => {
  const { fp, s2, ejectedAt } = await ejectedS2(t, 'redis', 50, { timeout: 100 });
  s2.setBehaviour({ mode: 'silent' });
  const connectionsBefore = s2.connections;
  await s2.waitForRequests(ejectedAt + 3);
  assert.ok(s2.connections - connectionsBefore >= 3, 'each probe has its own connection');
  // Each timed-out probe closed its connection before the next probe (50 ms later) opened one.
  assert.ok(s2.open <= 1, `${s2.open} probe connections open`);
  assert.equal(fp.server(1).ejected, true);
  s2.setBehaviour(identity('s2', 'redis'));
  await waitFor('s2 to rejoin', async () => (fp.server(1).ejected ? undefined : true));
});

test('a redis server answering the probe with -LOADING is still out', T, async (t) => {
  const { fp, s2, ejectedAt } = await ejectedS2(t, 'redis', 30);
  s2.setBehaviour({ mode: 'error', error: '-LOADING Redis is loading the dataset in memory' });
  await s2.waitForRequests(ejectedAt + 3);
  assert.equal(fp.server(1).ejected, true);
  s2.setBehaviour({ mode: 'answer', reply: '+PONG\r\n' });
  await waitFor('s2 to rejoin', async () => (fp.server(1).ejected ? undefined : true));
});

test('a server whose probe fails keeps being probed at server_retry_timeout, not at every request', T, async (t) => {
  const { c, keys, s2, ejectedAt } = await ejectedS2(t, 'redis', 60_000);
  for (let i = 0; i < 20; i++) assert.match(await ask(c, getRequest(keys.s2[i % 5], 'redis'), 'redis'), /^\+s[13]\r\n$/);
  assert.equal(s2.requests.length, ejectedAt, 'no probe before the retry time, whatever the traffic');
});

test('unlike nutcracker, a dead server is not put back blindly after server_retry_timeout', { ...T, skip: !hasNutcracker() && 'nutcracker not installed' }, async (t) => {
  const retry = 150;
  const { fp, keys, s2 } = await ejectedS2(t, 'redis', retry);
  const servers = fp.fakes.map((f, i) => ({ port: f.port, name: `s${i + 1}` }));
  const { yaml, ports } = await poolYaml({ name: 'nc', redis: true, servers, directives: { auto_eject_hosts: true, server_failure_limit: 1, server_retry_timeout: retry } });
  const nc = await startNutcracker(yaml);
  t.after(() => nc.stop());
  const n = await connect(ports.nc);
  t.after(() => n.close());
  const k2 = getRequest(keys.s2[0], 'redis');
  assert.equal(await ask(n, k2, 'redis'), errorLine('Connection reset by peer', 'redis'), 'nutcracker ejects too');
  await delay(retry * 3);
  assert.equal(s2.requests.length > 0, true);
  // nutcracker: the retry time has passed, so the server is back and the client request is the probe.
  assert.equal(await ask(n, k2, 'redis'), errorLine('Connection reset by peer', 'redis'));
  // ours: still out (its probes failed), the request is served elsewhere.
  const ours = await connect(fp.port);
  t.after(() => ours.close());
  assert.match(await ask(ours, k2, 'redis'), /^\+s[13]\r\n$/);
});
