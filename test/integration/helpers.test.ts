// The test harness itself, against real processes: redis-server and memcached start on free ports,
// answer, restart on the same port and are gone after stop() (or when the test process dies);
// Debian's nutcracker shards a two-server pool; the fake backend behaves as each mode promises.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { hasNutcracker, startMemcached, startNutcracker, startRedis, type Backend } from '../helpers/backends';
import { startFakeBackend } from '../helpers/fake-backend';
import { poolYaml } from '../helpers/pool-yaml';
import { freePort } from '../helpers/ports';
import { accepts, processAlive as alive, waitFor } from '../helpers/processes';
import { connect, resp } from '../helpers/wire';

const T = { timeout: 30_000 };

async function redisCommand(port: number, ...args: string[]): Promise<string> {
  const c = await connect(port);
  c.send(resp(...args));
  const reply = await c.readReply('redis');
  await c.close();
  return reply.toString();
}

test('freePort gives a port that can be bound on 127.0.0.1', T, async () => {
  const port = await freePort();
  const fake = await startFakeBackend({ mode: 'silent', port });
  assert.equal(fake.port, port);
  await fake.close();
});

test('redis backend answers on its port and is gone, with its directory, after stop', T, async () => {
  const redis = await startRedis();
  assert.equal(await redisCommand(redis.port, 'SET', 'k', 'v'), '+OK\r\n');
  assert.equal(await redisCommand(redis.port, 'GET', 'k'), '$1\r\nv\r\n');
  assert.ok(existsSync(redis.dir));
  await redis.stop();
  assert.equal(alive(redis.pid), false);
  assert.equal(await accepts({ host: '127.0.0.1', port: redis.port }), false);
  assert.equal(existsSync(redis.dir), false);
  await redis.stop(); // second stop is harmless
});

test('redis backend with a password refuses commands until AUTH', T, async () => {
  const redis = await startRedis({ password: 'sekret' });
  try {
    const c = await connect(redis.port);
    c.send(resp('PING'));
    assert.match((await c.readReply('redis')).toString(), /^-NOAUTH/);
    c.send(Buffer.concat([resp('AUTH', 'sekret'), resp('PING')]));
    assert.deepEqual((await c.readReplies(2, 'redis')).map(String), ['+OK\r\n', '+PONG\r\n']);
    await c.close();
  } finally {
    await redis.stop();
  }
});

test('two backends started together get different ports', T, async () => {
  const [a, b] = await Promise.all([startRedis(), startRedis()]);
  try {
    assert.notEqual(a.port, b.port);
  } finally {
    await Promise.all([a.stop(), b.stop()]);
  }
});

test('restart brings redis back on the same port as a new, empty process', T, async () => {
  const redis = await startRedis();
  try {
    const firstPid = redis.pid;
    await redisCommand(redis.port, 'SET', 'k', 'v');
    redis.kill('SIGKILL');
    await waitFor('redis to die', async () => (alive(firstPid) ? undefined : true));
    await redis.restart();
    assert.notEqual(redis.pid, firstPid);
    assert.equal(await redisCommand(redis.port, 'GET', 'k'), '$-1\r\n');
  } finally {
    await redis.stop();
  }
});

test('a backend stopped with SIGSTOP hangs, and stop() still ends it', T, async () => {
  const redis = await startRedis();
  redis.kill('SIGSTOP');
  const c = await connect(redis.port);
  c.send(resp('PING'));
  await assert.rejects(c.readReply('redis', 300), /timed out after 300 ms; received ""/);
  await c.close();
  await redis.stop();
  assert.equal(alive(redis.pid), false);
});

test('memcached backend stores and returns values, VALUE block and END framed as one reply', T, async () => {
  const mc = await startMemcached();
  try {
    const c = await connect(mc.port);
    c.send('set a 7 0 2\r\nhi\r\nset b 0 0 0\r\n\r\nget a b missing\r\n');
    const replies = (await c.readReplies(3, 'memcache')).map(String);
    assert.deepEqual(replies, ['STORED\r\n', 'STORED\r\n', 'VALUE a 7 2\r\nhi\r\nVALUE b 0 0\r\n\r\nEND\r\n']);
    await c.close();
    await mc.restart();
    const d = await connect(mc.port);
    d.send('get a\r\n');
    assert.equal(String(await d.readReply('memcache')), 'END\r\n');
    await d.close();
  } finally {
    await mc.stop();
  }
  assert.equal(alive(mc.pid), false);
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
    assert.ok(pid > 0);
    if (how === 'SIGTERM') child.kill('SIGTERM');
    await exited;
    await waitFor(`redis ${pid} to be gone after the parent's ${how}`, async () => (alive(pid) ? undefined : true));
  }
});

test('nutcracker shards a named two-server redis pool and serves stats', { ...T, skip: !hasNutcracker() && 'nutcracker not installed' }, async () => {
  const servers: Backend[] = await Promise.all([startRedis(), startRedis()]);
  const { yaml, ports } = await poolYaml({ name: 'alpha', redis: true, servers, directives: { hash: 'fnv1a_64' } });
  const nc = await startNutcracker(yaml);
  try {
    const c = await connect(ports.alpha);
    const keys = Array.from({ length: 20 }, (_, i) => `key:${i}`);
    c.send(Buffer.concat(keys.map((k) => resp('SET', k, k))));
    assert.deepEqual((await c.readReplies(keys.length, 'redis')).map(String), keys.map(() => '+OK\r\n'));
    c.send(resp('MGET', ...keys));
    const expected = `*${keys.length}\r\n` + keys.map((k) => `$${k.length}\r\n${k}\r\n`).join('');
    assert.equal(String(await c.readReply('redis')), expected);
    await c.close();
    // Every key lives on exactly one backend, and both backends got some.
    const counts = await Promise.all(servers.map((s) => redisCommand(s.port, 'DBSIZE')));
    const [n1, n2] = counts.map((r) => Number(/^:(\d+)/.exec(r)?.[1]));
    assert.equal(n1 + n2, keys.length);
    assert.ok(n1 > 0 && n2 > 0, `placement ${n1}/${n2}`);
    const stats = await connect(nc.statsPort);
    const json = JSON.parse((await stats.readUntilClose()).toString());
    assert.equal(json.service, 'nutcracker');
    assert.deepEqual(Object.keys(json.alpha).filter((k) => /^s\d$/.test(k)), ['s1', 's2']);
  } finally {
    await nc.stop();
    await Promise.all(servers.map((s) => s.stop()));
  }
  assert.equal(alive(nc.pid), false);
});

test('nutcracker fronts memcached too and reports a bad config with its log', { ...T, skip: !hasNutcracker() && 'nutcracker not installed' }, async () => {
  const mc = await startMemcached();
  const { yaml, ports } = await poolYaml({ name: 'mc', servers: [mc] });
  const nc = await startNutcracker(yaml);
  try {
    const c = await connect(ports.mc);
    c.send('set k 0 0 1\r\nx\r\nget k\r\n');
    assert.deepEqual((await c.readReplies(2, 'memcache')).map(String), ['STORED\r\n', 'VALUE k 0 1\r\nx\r\nEND\r\n']);
    await c.close();
  } finally {
    await nc.stop();
    await mc.stop();
  }
  await assert.rejects(startNutcracker(yaml.replace('servers:', 'redis: maybe\n  servers:')), /exited early[\s\S]*is not "true" or "false"/);
});

test('our proxy starts in-process from YAML and forwards to redis', { ...T, skip: !existsSync(join(__dirname, '..', '..', 'src', 'config', 'load.js')) && 'config loader not built yet' }, async () => {
  const { startProxy } = await import('../helpers/proxy');
  const redis = await startRedis();
  const { yaml, ports } = await poolYaml({ name: 'alpha', redis: true, servers: [redis] });
  const proxy = await startProxy(yaml);
  try {
    assert.ok(proxy.statsPort > 0);
    assert.equal(await redisCommand(ports.alpha, 'SET', 'k', 'v'), '+OK\r\n');
    assert.equal(await redisCommand(redis.port, 'GET', 'k'), '$1\r\nv\r\n');
  } finally {
    await proxy.stop();
    await redis.stop();
  }
});
