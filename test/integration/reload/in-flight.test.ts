// Reload, one change at a time, with requests held in flight (issue 9): a redis-server stopped with
// SIGSTOP keeps a request outstanding while the configuration changes under it, so the tests can say
// exactly which server answers it, when clients are closed and when server connections go away.

import { test } from 'node:test';
import { once } from 'node:events';
import { connect as netConnect } from 'node:net';
import assert from 'node:assert/strict';
import { startMemcached, startRedis, type Backend } from '../../helpers/backends';
import { freePort, occupyPort } from '../../helpers/ports';
import { accepts, waitFor } from '../../helpers/processes';
import { poolYaml, startProxy, type PoolSpec, type RunningProxy } from '../../helpers/proxy';
import { clientFor, resp, type AfterHook } from '../../helpers/wire';
import { exchange, redisClients, waitRedisClients } from './reload-kit';

const T = { timeout: 20_000 };

async function redisFor(t: AfterHook, n: number): Promise<Backend[]> {
  const list = await Promise.all(Array.from({ length: n }, () => startRedis()));
  t.after(() => Promise.all(list.map((b) => b.stop())).then(() => undefined));
  return list;
}

async function proxyFor(t: AfterHook, yaml: string): Promise<RunningProxy> {
  const p = await startProxy(yaml);
  t.after(() => p.stop());
  return p;
}

async function yamlAt(port: number, ...pools: PoolSpec[]): Promise<string> {
  return (await poolYaml(...pools.map((p) => ({ listen: `127.0.0.1:${port}`, ...p })))).yaml;
}

/** Wait until the proxy has written `n` requests to `server` of `pool` that are not answered yet. */
async function waitOutstanding(p: RunningProxy, pool: string, server: string, n: number): Promise<void> {
  await waitFor(`${n} request(s) outstanding on ${pool}/${server}`, async () => {
    const s = p.proxy.snapshot().pools.find((x) => x.name === pool)?.servers.find((x) => x.name === server);
    return s !== undefined && s.stats.out_queue === n ? true : undefined;
  });
}

async function setDirect(b: Backend, key: string, value: string): Promise<void> {
  assert.deepEqual(await exchange(b.port, [resp('SET', key, value)]), ['+OK\r\n']);
}

const bulk = (v: string): string => `$${v.length}\r\n${v}\r\n`;

test('a request in flight on a removed server is answered by it; later ones, even pipelined behind it, go to the new server', T, async (t) => {
  const [old, next] = await redisFor(t, 2);
  await setDirect(old, 'k', 'from-old');
  await setDirect(next, 'k', 'from-new');
  const port = await freePort();
  const p = await proxyFor(t, await yamlAt(port, { name: 'alpha', redis: true, servers: [{ port: old.port, name: 'old' }] }));
  const c = await clientFor(t, port);
  c.send(resp('GET', 'k'));
  assert.equal((await c.readReply('redis')).toString(), bulk('from-old'));

  old.kill('SIGSTOP');
  c.send(resp('GET', 'k'));
  await waitOutstanding(p, 'alpha', 'old', 1);
  const result = await p.reload(await yamlAt(port, { name: 'alpha', redis: true, servers: [{ port: next.port, name: 'new' }] }));
  assert.equal(result.ok, true, result.message);
  c.send(resp('GET', 'k'));
  // Another client is not held up by the request stuck on the old server.
  assert.deepEqual(await exchange(port, [resp('GET', 'k')]), [bulk('from-new')]);
  assert.equal(c.pending.length, 0, 'the reply behind the stuck request waits for it');
  old.kill('SIGCONT');
  assert.deepEqual((await c.readReplies(2, 'redis')).map(String), [bulk('from-old'), bulk('from-new')]);
  await waitRedisClients(old, 0, 'the old server once its request was answered');
  assert.equal(c.closed, false);
});

test('a removed pool stops accepting, answers what its clients have in flight, then closes them', T, async (t) => {
  const [r] = await redisFor(t, 1);
  await setDirect(r, 'k', 'v');
  const { yaml, ports } = await poolYaml({ name: 'alpha', redis: true, servers: [{ port: r.port }] }, { name: 'beta', redis: true, servers: [{ port: r.port }] });
  const p = await proxyFor(t, yaml);
  const busy = await clientFor(t, ports.beta);
  const idle = await clientFor(t, ports.beta);
  const other = await clientFor(t, ports.alpha);
  r.kill('SIGSTOP');
  busy.send(resp('GET', 'k'));
  await waitOutstanding(p, 'beta', 's1', 1);

  const result = await p.reload(yaml.slice(0, yaml.indexOf('beta:')));
  assert.equal(result.ok, true, result.message);
  assert.match(result.message, /pool 'beta' removed/);
  assert.equal(await accepts({ host: '127.0.0.1', port: ports.beta }), false, 'no new connections');
  assert.equal((await idle.readUntilClose()).length, 0, 'an idle client is closed at once');
  assert.equal(busy.closed, false, 'a client with a request in flight stays until it is answered');
  r.kill('SIGCONT');
  assert.equal(String(await busy.readUntilClose()), bulk('v'), 'the reply arrives, then the close');
  other.send(resp('GET', 'k'));
  assert.equal(String(await other.readReply('redis')), bulk('v'));
  assert.deepEqual(p.proxy.snapshot().pools.map((x) => x.name), ['alpha']);
  // beta's server connection goes with the pool; alpha's stays.
  await waitFor('one proxy connection left on redis', async () => ((await redisClients(r)) === 1 ? true : undefined));
});

test('a removed pool closes a client that ignores its FIN once the grace period is over', T, async (t) => {
  const [r] = await redisFor(t, 1);
  const { yaml, ports } = await poolYaml({ name: 'alpha', redis: true, servers: [{ port: r.port }] }, { name: 'beta', redis: true, servers: [{ port: r.port }] });
  const p = await startProxy(yaml, { retireGraceMs: 1000 });
  t.after(() => p.stop());
  // allowHalfOpen: after the proxy's FIN this client keeps its side open, as a careless one would.
  const stubborn = netConnect({ port: ports.beta, host: '127.0.0.1', allowHalfOpen: true });
  t.after(() => void stubborn.destroy());
  stubborn.on('error', () => undefined);
  await once(stubborn, 'connect');
  const poolClients = (name: string): number | undefined => p.proxy.snapshot().pools.find((x) => x.name === name)?.stats.client_connections;
  await waitFor('the client to be counted', async () => (poolClients('beta') === 1 ? true : undefined));
  const ended = once(stubborn, 'end');
  const open = p.proxy.snapshot().currConnections;
  assert.equal((await p.reload(yaml.slice(0, yaml.indexOf('beta:')))).ok, true);
  await ended; // the proxy's FIN came at once: nothing was in flight
  assert.equal(p.proxy.snapshot().currConnections, open - 1, 'the listener is gone, the client is still open');
  await waitFor('the proxy to close the client', async () => (p.proxy.snapshot().currConnections === open - 2 ? true : undefined), { timeoutMs: 10_000 });
});

test('a pool whose listen address changes moves there and its old clients are closed once idle', T, async (t) => {
  const [r] = await redisFor(t, 1);
  const [first, second] = [await freePort(), await freePort()];
  const spec: PoolSpec = { name: 'alpha', redis: true, servers: [{ port: r.port }] };
  const p = await proxyFor(t, await yamlAt(first, spec));
  const c = await clientFor(t, first);
  const result = await p.reload(await yamlAt(second, spec));
  assert.equal(result.ok, true, result.message);
  assert.equal((await c.readUntilClose()).length, 0);
  assert.equal(await accepts({ host: '127.0.0.1', port: first }), false);
  assert.deepEqual(await exchange(second, [resp('SET', 'a', 'b')]), ['+OK\r\n']);
  assert.equal(p.proxy.poolPort('alpha'), second);
});

test('a pool that switches protocol on the same address is replaced without waiting for its old clients', T, async (t) => {
  const [r] = await redisFor(t, 1);
  const mc = await startMemcached();
  t.after(() => mc.stop());
  const port = await freePort();
  const p = await proxyFor(t, await yamlAt(port, { name: 'alpha', redis: false, servers: [{ port: mc.port }] }));
  const oldClient = await clientFor(t, port);
  oldClient.send('set k 0 0 1\r\nm\r\n');
  assert.equal(String(await oldClient.readReply('memcache')), 'STORED\r\n');

  const result = await p.reload(await yamlAt(port, { name: 'alpha', redis: true, servers: [{ port: r.port }] }));
  assert.equal(result.ok, true, result.message);
  assert.equal((await oldClient.readUntilClose()).length, 0, 'the memcache client is closed');
  assert.deepEqual(await exchange(port, [resp('SET', 'k', 'r'), resp('GET', 'k')]), ['+OK\r\n', bulk('r')]);
});

test('a new pool that cannot bind rejects the whole reload, and nothing changes', T, async (t) => {
  const [r1, r2] = await redisFor(t, 2);
  await setDirect(r1, 'k', 'one');
  await setDirect(r2, 'k', 'two');
  const port = await freePort();
  const { port: busyPort, release } = await occupyPort();
  t.after(release);
  const alpha = (server: Backend): PoolSpec => ({ name: 'alpha', redis: true, servers: [{ port: server.port }] });
  const p = await proxyFor(t, await yamlAt(port, alpha(r1)));
  const c = await clientFor(t, port);

  const wanted = (await yamlAt(port, alpha(r2))) + (await yamlAt(busyPort, { name: 'gamma', redis: true, servers: [{ port: r2.port }] }));
  const rejected = await p.reload(wanted);
  assert.equal(rejected.ok, false);
  assert.match(rejected.message, new RegExp(`rejected, nothing changed: .*127\\.0\\.0\\.1:${busyPort}`));
  c.send(resp('GET', 'k'));
  assert.equal(String(await c.readReply('redis')), bulk('one'), 'alpha still uses its old server');
  assert.deepEqual(p.proxy.snapshot().pools.map((x) => x.name), ['alpha']);
  const extra = p.proxy.snapshot().extra ?? {};
  assert.deepEqual([extra.config_reloads_total, extra.config_reload_failures_total, extra.config_last_reload_successful], [1, 1, 0]);

  await release();
  const applied = await p.reload();
  assert.equal(applied.ok, true, applied.message);
  c.send(resp('GET', 'k'));
  assert.equal(String(await c.readReply('redis')), bulk('two'), 'the same client now reaches the new server');
  assert.deepEqual(await exchange(busyPort, [resp('GET', 'k')]), [bulk('two')]);
  const after = p.proxy.snapshot().extra ?? {};
  assert.deepEqual([after.config_reloads_total, after.config_reload_failures_total, after.config_last_reload_successful], [2, 1, 1]);
});

test('a changed redis_db applies to the next request of a client already connected', T, async (t) => {
  const [r] = await redisFor(t, 1);
  await exchange(r.port, [resp('SET', 'k', 'db0'), resp('SELECT', '1'), resp('SET', 'k', 'db1')]);
  const port = await freePort();
  const spec = (db: number): PoolSpec => ({ name: 'alpha', redis: true, directives: { redis_db: db }, servers: [{ port: r.port, name: 's1' }] });
  const p = await proxyFor(t, await yamlAt(port, spec(0)));
  const c = await clientFor(t, port);
  c.send(resp('GET', 'k'));
  assert.equal(String(await c.readReply('redis')), bulk('db0'));
  const before = p.proxy.snapshot().pools[0].servers[0].stats.requests;

  const result = await p.reload(await yamlAt(port, spec(1)));
  assert.equal(result.ok, true, result.message);
  c.send(resp('GET', 'k'));
  assert.equal(String(await c.readReply('redis')), bulk('db1'));
  assert.equal(p.proxy.snapshot().pools[0].servers[0].stats.requests, before + 1, "the server's counters carried over");
});

// Needs src/proxy/client-conn.ts to give the codec the pool's current config (`get pool()` in its
// ClientContext) instead of the one captured at accept time; reported to the lead.

test('a changed redis_auth applies to clients already connected and to new server connections', T, async (t) => {
  const [r] = await redisFor(t, 1);
  const port = await freePort();
  const spec = (auth: string | null): PoolSpec => ({ name: 'alpha', redis: true, directives: auth === null ? {} : { redis_auth: auth }, servers: [{ port: r.port, name: 's1' }] });
  const p = await proxyFor(t, await yamlAt(port, spec(null)));
  const c = await clientFor(t, port);
  c.send(resp('SET', 'k', 'v'));
  assert.equal(String(await c.readReply('redis')), '+OK\r\n');
  assert.deepEqual(await exchange(r.port, [resp('CONFIG', 'SET', 'requirepass', 'sesame')]), ['+OK\r\n']);

  const result = await p.reload(await yamlAt(port, spec('sesame')));
  assert.equal(result.ok, true, result.message);
  c.send(resp('GET', 'k'));
  assert.match(String(await c.readReply('redis')), /^-NOAUTH /, 'the client connected before must now authenticate');
  c.send(Buffer.concat([resp('AUTH', 'sesame'), resp('GET', 'k')]));
  assert.deepEqual((await c.readReplies(2, 'redis')).map(String), ['+OK\r\n', bulk('v')]);

  // Drop the proxy's server connection (authenticated before the password was set): the next one
  // must send the new password.
  assert.equal((await exchange(r.port, [resp('AUTH', 'sesame'), resp('CLIENT', 'KILL', 'SKIPME', 'yes')]))[0], '+OK\r\n');
  await waitFor('the proxy to notice its server connection closed', async () => (p.proxy.snapshot().pools[0].servers[0].stats.server_connections === 0 ? true : undefined));
  c.send(resp('GET', 'k'));
  assert.equal(String(await c.readReply('redis')), bulk('v'));
});

test('two reloads asked at once run one after the other', T, async (t) => {
  const [r] = await redisFor(t, 1);
  const [port, added] = [await freePort(), await freePort()];
  const alpha: PoolSpec = { name: 'alpha', redis: true, servers: [{ port: r.port }] };
  const p = await proxyFor(t, await yamlAt(port, alpha));
  const next = (await yamlAt(port, alpha)) + (await yamlAt(added, { name: 'beta', redis: true, servers: [{ port: r.port }] }));
  const [first, second] = await Promise.all([p.reload(next), p.reload()]);
  assert.equal(first.ok, true, first.message);
  assert.match(first.message, /pool 'beta' added/);
  assert.equal(second.ok, true, `the second reload sees the first one's pools: ${second.message}`);
  assert.match(second.message, /pool 'beta' unchanged/);
  assert.deepEqual(await exchange(added, [resp('SET', 'k', 'v')]), ['+OK\r\n']);
});

test('stopping the proxy also closes a removed pool still waiting for its clients', T, async (t) => {
  const [r] = await redisFor(t, 1);
  const { yaml, ports } = await poolYaml({ name: 'alpha', redis: true, servers: [{ port: r.port }] }, { name: 'beta', redis: true, servers: [{ port: r.port }] });
  const p = await startProxy(yaml);
  t.after(() => p.stop());
  const busy = await clientFor(t, ports.beta);
  r.kill('SIGSTOP');
  t.after(() => r.kill('SIGCONT'));
  busy.send(resp('GET', 'k'));
  await waitOutstanding(p, 'beta', 's1', 1);
  assert.equal((await p.reload(yaml.slice(0, yaml.indexOf('beta:')))).ok, true);
  await p.stop();
  assert.equal((await busy.readUntilClose()).length, 0, 'the client of the removed pool is closed with the proxy');
});
