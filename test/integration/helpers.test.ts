// The test harness itself, against real processes: redis-server and memcached start on free ports,
// answer, restart on the same port and are gone after stop() (or when the test process dies);
// Debian's nutcracker shards a two-server pool; our proxy starts in-process from the same YAML.
// Every resource is released in t.after(), so a failed assertion cannot leave the file hanging.

import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { hasNutcracker, startMemcached, startNutcracker, startRedis, type Backend, type BackendOptions } from '../helpers/backends';
import { startFakeBackend } from '../helpers/fake-backend';
import { poolYaml } from '../helpers/pool-yaml';
import { freePort } from '../helpers/ports';
import { accepts, processAlive as alive, waitFor } from '../helpers/processes';
import { clientFor, exchangeOnce, resp } from '../helpers/wire';

const T = { timeout: 30_000 };
const NEEDS_NUTCRACKER = { ...T, skip: !hasNutcracker() && 'nutcracker not installed (scripts/install-deps.sh)' };
const PROXY_BUILT = existsSync(join(__dirname, '..', '..', 'src', 'config', 'load.js'));

async function redisFor(t: TestContext, opts?: BackendOptions): Promise<Backend> {
  const b = await startRedis(opts);
  t.after(() => b.stop());
  return b;
}

async function memcachedFor(t: TestContext): Promise<Backend> {
  const b = await startMemcached();
  t.after(() => b.stop());
  return b;
}

async function redisCommand(port: number, ...args: string[]): Promise<string> {
  return String((await exchangeOnce(port, resp(...args), 1, 'redis'))[0]);
}

test('freePort gives a port that can be bound on 127.0.0.1', T, async (t) => {
  const port = await freePort();
  const fake = await startFakeBackend({ mode: 'silent', port });
  t.after(() => fake.close());
  assert.equal(fake.port, port);
});

test('redis backend answers on its port and is gone, with its directory, after stop', T, async (t) => {
  const redis = await redisFor(t);
  assert.equal(await redisCommand(redis.port, 'SET', 'k', 'v'), '+OK\r\n');
  assert.equal(await redisCommand(redis.port, 'GET', 'k'), '$1\r\nv\r\n');
  assert.ok(existsSync(redis.dir));
  await redis.stop();
  assert.equal(alive(redis.pid), false);
  assert.equal(await accepts({ host: '127.0.0.1', port: redis.port }), false);
  assert.equal(existsSync(redis.dir), false);
});

test('redis backend with a password refuses commands until AUTH', T, async (t) => {
  const redis = await redisFor(t, { password: 'sekret' });
  const c = await clientFor(t, redis.port);
  c.send(resp('PING'));
  assert.match(String(await c.readReply('redis')), /^-NOAUTH/);
  c.send(Buffer.concat([resp('AUTH', 'sekret'), resp('PING')]));
  assert.deepEqual((await c.readReplies(2, 'redis')).map(String), ['+OK\r\n', '+PONG\r\n']);
});

test('two backends started together get different ports', T, async (t) => {
  const [a, b] = await Promise.all([redisFor(t), redisFor(t)]);
  assert.notEqual(a.port, b.port);
});

test('restart brings a crashed redis back on the same port as a new, empty process', T, async (t) => {
  const redis = await redisFor(t);
  const firstPid = redis.pid;
  await redisCommand(redis.port, 'SET', 'k', 'v');
  redis.kill('SIGKILL');
  await waitFor('redis to die', async () => (alive(firstPid) ? undefined : true));
  await redis.restart();
  assert.notEqual(redis.pid, firstPid);
  assert.equal(await redisCommand(redis.port, 'GET', 'k'), '$-1\r\n');
});

test('a backend stopped with SIGSTOP hangs, and stop() still ends it', T, async (t) => {
  const redis = await redisFor(t);
  redis.kill('SIGSTOP');
  const c = await clientFor(t, redis.port);
  c.send(resp('PING'));
  await assert.rejects(c.readReply('redis', 300), /timed out after 300 ms; received ""/);
  await redis.stop();
  assert.equal(alive(redis.pid), false);
});

test('memcached backend stores values, frames VALUE blocks and END as one reply, and restarts empty', T, async (t) => {
  const mc = await memcachedFor(t);
  const c = await clientFor(t, mc.port);
  c.send('set a 7 0 2\r\nhi\r\nset b 0 0 0\r\n\r\nget a b missing\r\n');
  const replies = (await c.readReplies(3, 'memcache')).map(String);
  assert.deepEqual(replies, ['STORED\r\n', 'STORED\r\n', 'VALUE a 7 2\r\nhi\r\nVALUE b 0 0\r\n\r\nEND\r\n']);
  const firstPid = mc.pid;
  await mc.restart();
  assert.equal(alive(firstPid), false);
  const d = await clientFor(t, mc.port);
  d.send('get a\r\n');
  assert.equal(String(await d.readReply('memcache')), 'END\r\n');
});

test('backends left running are killed when the test process exits or is terminated', T, async () => {
  const backends = join(__dirname, '..', 'helpers', 'backends.js');
  for (const how of ['exit', 'SIGTERM'] as const) {
    const script =
      `require(${JSON.stringify(backends)}).startRedis().then((b) => {` +
      ` console.log(b.pid); if (${JSON.stringify(how)} === 'exit') process.exit(0); setInterval(() => {}, 1000); });`;
    const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    const exited = new Promise((resolve) => child.once('exit', resolve));
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    const pid = await waitFor(`child to print the redis pid (${how})`, async () => (/^\d+\n/.test(out) ? Number(out) : undefined));
    if (how === 'SIGTERM') {
      assert.ok(alive(pid), 'redis runs while its parent does');
      child.kill('SIGTERM');
    }
    await exited;
    await waitFor(`redis ${pid} to be gone after the parent's ${how}`, async () => (alive(pid) ? undefined : true));
  }
});

test('nutcracker shards a named two-server redis pool and serves stats', NEEDS_NUTCRACKER, async (t) => {
  const servers = await Promise.all([redisFor(t), redisFor(t)]);
  const { yaml, ports } = await poolYaml({ name: 'alpha', redis: true, servers, directives: { hash: 'fnv1a_64' } });
  const nc = await startNutcracker(yaml);
  t.after(() => nc.stop());
  const c = await clientFor(t, ports.alpha);
  const keys = Array.from({ length: 20 }, (_, i) => `key:${i}`);
  c.send(Buffer.concat(keys.map((k) => resp('SET', k, k))));
  assert.deepEqual((await c.readReplies(keys.length, 'redis')).map(String), keys.map(() => '+OK\r\n'));
  c.send(resp('MGET', ...keys));
  const expected = `*${keys.length}\r\n` + keys.map((k) => `$${k.length}\r\n${k}\r\n`).join('');
  assert.equal(String(await c.readReply('redis')), expected);
  // Every key lives on exactly one backend, and both backends got some.
  const [n1, n2] = await Promise.all(servers.map(async (s) => Number(/^:(\d+)/.exec(await redisCommand(s.port, 'DBSIZE'))?.[1])));
  assert.equal(n1 + n2, keys.length);
  assert.ok(n1 > 0 && n2 > 0, `placement ${n1}/${n2}`);
  const stats = await clientFor(t, nc.statsPort);
  const json = JSON.parse(String(await stats.readUntilClose()));
  assert.equal(json.service, 'nutcracker');
  assert.deepEqual(Object.keys(json.alpha).filter((k) => /^s\d$/.test(k)), ['s1', 's2']);
  await nc.stop();
  assert.equal(alive(nc.pid), false);
});

test('nutcracker fronts memcached too, and a bad config fails to start with its log', NEEDS_NUTCRACKER, async (t) => {
  const mc = await memcachedFor(t);
  const { yaml, ports } = await poolYaml({ name: 'mc', servers: [mc] });
  const nc = await startNutcracker(yaml);
  t.after(() => nc.stop());
  const c = await clientFor(t, ports.mc);
  c.send('set k 0 0 1\r\nx\r\nget k\r\n');
  assert.deepEqual((await c.readReplies(2, 'memcache')).map(String), ['STORED\r\n', 'VALUE k 0 1\r\nx\r\nEND\r\n']);
  await nc.stop();
  const bad = yaml.replace('servers:', 'redis: maybe\n  servers:');
  await assert.rejects(startNutcracker(bad), /exited early[\s\S]*directive "redis" is not "true" or "false"/);
});

test('our proxy starts in-process from the same YAML and forwards to redis', { ...T, skip: !PROXY_BUILT && 'src/config/load not built yet' }, async (t) => {
  const { startProxy } = await import('../helpers/proxy');
  const redis = await redisFor(t);
  const { yaml, ports } = await poolYaml({ name: 'alpha', redis: true, servers: [redis] });
  const proxy = await startProxy(yaml);
  t.after(() => proxy.stop());
  assert.ok(proxy.statsPort > 0);
  assert.equal(await redisCommand(ports.alpha, 'SET', 'k', 'v'), '+OK\r\n');
  assert.equal(await redisCommand(redis.port, 'GET', 'k'), '$1\r\nv\r\n');
  const stats = await clientFor(t, proxy.statsPort);
  assert.match(String(await stats.readUntilClose()), /"alpha": \{.*"s1": \{/);
  const reloaded = await proxy.reload(yaml.replace('redis: true', 'redis: true\n  timeout: 250'));
  assert.equal(reloaded.ok, true, reloaded.message);
  assert.equal(await redisCommand(ports.alpha, 'GET', 'k'), '$1\r\nv\r\n');
});
