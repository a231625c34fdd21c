// What a memcached client sees through our proxy when a backend fails (spec §7.4, §8.5): a killed
// server gives `SERVER_ERROR Connection refused`, a hung one `SERVER_ERROR Connection timed out`, one
// that closes mid-reply `SERVER_ERROR unknown`, one that answers nonsense `SERVER_ERROR Invalid
// argument`; noreply requests stay silent; other servers keep answering; ejection moves keys away.

import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { startFakeBackend, type FakeBehaviour } from '../../helpers/fake-backend';
import { accepts, waitFor } from '../../helpers/processes';
import { poolYaml, startProxy } from '../../helpers/proxy';
import { connect } from '../../helpers/wire';
import { startMemcacheCluster, type ClusterOptions, type MemcacheCluster } from './memcache-cluster';
import { memcacheWire as mc } from './memcache-wire';

const T = { timeout: 20_000 };

/** A cluster plus one stored key per server: keys[i] lives on backend i, its value is `v<i>`. */
async function clusterWithKeys(opts: ClusterOptions = {}): Promise<{ cluster: MemcacheCluster; keys: string[] }> {
  const cluster = await startMemcacheCluster({ ...opts, directives: { hash: 'md5', ...opts.directives } });
  const candidates = Array.from({ length: 30 }, (_, i) => `sf:${i}`);
  await mc.exchange(cluster.port, Buffer.concat(candidates.map((k) => mc.store('set', k, 'x'))), candidates.length);
  const homes = await cluster.holders(candidates);
  const keys = [0, 1, 2].map((s) => candidates[homes.indexOf(s)]);
  assert.ok(keys.every((k) => k !== undefined), 'a key on every server');
  await mc.exchange(cluster.port, Buffer.concat(keys.map((k, i) => mc.store('set', k, `v${i}`))), 3);
  return { cluster, keys };
}

async function kill(cluster: MemcacheCluster, i: number): Promise<void> {
  const b = cluster.backends[i];
  b.kill('SIGKILL');
  await waitFor(`backend ${i} to stop accepting`, async () => ((await accepts({ host: b.host, port: b.port })) ? undefined : true));
}

const REFUSED = 'SERVER_ERROR Connection refused\r\n';

test('requests for a killed backend get SERVER_ERROR Connection refused, others are served, and it recovers on restart', T, async (t) => {
  const { cluster, keys } = await clusterWithKeys();
  t.after(() => cluster.stop());
  await kill(cluster, 1);
  const c = await connect(cluster.port);
  c.send(
    Buffer.concat([
      mc.line('get', keys[1]),
      mc.store('set', keys[1], 'new'),
      mc.line('incr', keys[1], 1),
      mc.line('get', keys[0]),
      // noreply requests to the dead server fail silently: the next reply is the get's.
      mc.store('set', keys[1], 'quiet', { noreply: true }),
      mc.line('delete', keys[1], 'noreply'),
      mc.line('get', keys[2]),
    ]),
  );
  assert.deepEqual((await c.readReplies(5, 'memcache')).map(String), [REFUSED, REFUSED, REFUSED, 'VALUE ' + keys[0] + ' 0 2\r\nv0\r\nEND\r\n', 'VALUE ' + keys[2] + ' 0 2\r\nv2\r\nEND\r\n']);
  assert.equal(c.closed, false, 'a failed single-key request keeps the client connection');

  await cluster.backends[1].restart();
  c.send(Buffer.concat([mc.store('set', keys[1], 'back'), mc.line('get', keys[1])]));
  assert.deepEqual((await c.readReplies(2, 'memcache')).map(String), ['STORED\r\n', `VALUE ${keys[1]} 0 4\r\nback\r\nEND\r\n`]);
  await c.close();
});

test('a multi-get touching a dead server gets SERVER_ERROR Connection refused, then the connection closes', T, async (t) => {
  const { cluster, keys } = await clusterWithKeys();
  t.after(() => cluster.stop());
  await kill(cluster, 2);
  const c = await connect(cluster.port);
  c.send(mc.line('get', keys[0], keys[2], keys[1]));
  // As nutcracker: a fragment lost at connection level fails the whole multi-get and ends the client.
  assert.equal(String(await c.readUntilClose()), REFUSED);
  assert.deepEqual((await mc.exchange(cluster.port, mc.line('get', keys[0], keys[1]))).map(String), [
    String(mc.values(mc.value(keys[0], 'v0'), mc.value(keys[1], 'v1'))),
  ]);
});

test('a hung backend gives SERVER_ERROR Connection timed out after the pool timeout; the others are unaffected', T, async (t) => {
  const { cluster, keys } = await clusterWithKeys({ directives: { timeout: 300 } });
  t.after(() => cluster.stop());
  const hung = cluster.backends[0];
  hung.kill('SIGSTOP');
  try {
    const c = await connect(cluster.port);
    // (No noreply write here: bytes already written to the stopped server's socket are still executed
    // once it resumes, whatever the proxy decided meanwhile — true of any TCP proxy.)
    c.send(Buffer.concat([mc.line('get', keys[0]), mc.line('get', keys[1]), mc.line('get', keys[2])]));
    assert.deepEqual((await c.readReplies(3, 'memcache')).map(String), [
      'SERVER_ERROR Connection timed out\r\n',
      `VALUE ${keys[1]} 0 2\r\nv1\r\nEND\r\n`,
      `VALUE ${keys[2]} 0 2\r\nv2\r\nEND\r\n`,
    ]);
    hung.kill('SIGCONT');
    // The timed-out connection was closed; the next request opens a fresh one and is served.
    c.send(mc.line('get', keys[0]));
    assert.equal(String(await c.readReply('memcache')), `VALUE ${keys[0]} 0 2\r\nv0\r\nEND\r\n`);
    await c.close();
  } finally {
    hung.kill('SIGCONT');
  }
});

test('with auto_eject_hosts a dead server is ejected after server_failure_limit errors and its keys move', T, async (t) => {
  const directives = { auto_eject_hosts: true, server_failure_limit: 2, server_retry_timeout: 60_000 };
  const { cluster, keys } = await clusterWithKeys({ directives });
  t.after(() => cluster.stop());
  await kill(cluster, 1);
  const c = await connect(cluster.port);
  c.send(Buffer.concat([mc.line('get', keys[1]), mc.line('get', keys[1])]));
  assert.deepEqual((await c.readReplies(2, 'memcache')).map(String), [REFUSED, REFUSED]);
  c.send(Buffer.concat([mc.store('set', keys[1], 'moved'), mc.line('get', keys[1])]));
  assert.deepEqual((await c.readReplies(2, 'memcache')).map(String), ['STORED\r\n', `VALUE ${keys[1]} 0 5\r\nmoved\r\nEND\r\n`]);
  await c.close();
  const onLive = await Promise.all([0, 2].map(async (i) => String((await cluster.direct(i, mc.line('get', keys[1])))[0])));
  assert.equal(onLive.filter((r) => r.startsWith('VALUE ')).length, 1, 'the key now lives on one of the live servers');
});

/** Our proxy in front of one fake memcached backend behaving as `behaviour`; both stopped after the test. */
async function proxyOnFake(t: TestContext, behaviour: FakeBehaviour): Promise<{ port: number }> {
  const fake = await startFakeBackend({ protocol: 'memcache', ...behaviour });
  const { yaml, ports } = await poolYaml({ name: 'mc', servers: [fake] });
  const proxy = await startProxy(yaml);
  t.after(async () => {
    await proxy.stop();
    await fake.close();
  });
  return { port: ports.mc };
}

test('a backend that closes in the middle of a reply gives SERVER_ERROR unknown', T, async (t) => {
  const proxy = await proxyOnFake(t, { mode: 'close-mid-reply', reply: 'VALUE k 0 10\r\n0123456789\r\nEND\r\n', cutAfter: 20 });
  assert.deepEqual((await mc.exchange(proxy.port, 'get k\r\n')).map(String), ['SERVER_ERROR unknown\r\n']);
});

test('a backend that answers something that is not memcached gives SERVER_ERROR Invalid argument', T, async (t) => {
  const proxy = await proxyOnFake(t, { mode: 'answer', reply: '+OK\r\n' });
  assert.deepEqual((await mc.exchange(proxy.port, 'get k\r\n')).map(String), ['SERVER_ERROR Invalid argument\r\n']);
});

test('a backend error line is passed through unchanged for a single-key request', T, async (t) => {
  const proxy = await proxyOnFake(t, { mode: 'error', error: 'SERVER_ERROR out of memory storing object' });
  const replies = await mc.exchange(proxy.port, Buffer.concat([mc.store('set', 'k', 'v'), mc.line('get', 'k')]), 2);
  assert.deepEqual(replies.map(String), ['SERVER_ERROR out of memory storing object\r\n', 'SERVER_ERROR out of memory storing object\r\n']);
});

test('a multi-get fragment answered with an error line passes that line on and keeps the connection', T, async (t) => {
  const fake = await startFakeBackend({ protocol: 'memcache', mode: 'error', error: 'SERVER_ERROR out of memory' });
  const cluster = await startMemcacheCluster({ servers: 1 });
  const { yaml, ports } = await poolYaml({ name: 'mc', servers: [cluster.backends[0], fake], directives: { hash: 'md5' } });
  const proxy = await startProxy(yaml);
  t.after(async () => {
    await proxy.stop();
    await cluster.stop();
    await fake.close();
  });
  // Which keys go to the fake? The ones it receives.
  const candidates = Array.from({ length: 20 }, (_, i) => `frag:${i}`);
  await mc.exchange(ports.mc, Buffer.concat(candidates.map((k) => mc.line('get', k))), candidates.length);
  const onFake = candidates.filter((k) => fake.requests.some((r) => String(r) === `get ${k}\r\n`));
  const onReal = candidates.filter((k) => !onFake.includes(k));
  assert.ok(onFake.length > 0 && onReal.length > 0, 'keys on both servers');
  const c = await connect(ports.mc);
  c.send(Buffer.concat([mc.line('get', onReal[0], onFake[0]), mc.line('get', onReal[0])]));
  // nutcracker answers `SERVER_ERROR Invalid argument` here; we pass on the server's own reason.
  assert.deepEqual((await c.readReplies(2, 'memcache')).map(String), ['SERVER_ERROR out of memory\r\n', 'END\r\n']);
  await c.close();
});
