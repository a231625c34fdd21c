// A server given as a Unix socket path (`/path/redis.sock:1 name`, spec §3) is reached over a libuv
// Pipe handle instead of TCP; requests are written straight to it like to TCP servers
// (handle-write.ts). Small and big values (a write the kernel cannot take at once) and MGETs split
// between the Unix-socket server and a TCP one must come back byte for byte.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { startRedis } from '../../helpers/backends';
import { freePort } from '../../helpers/ports';
import { startProxy } from '../../helpers/proxy';
import { randomBytes, rng } from '../../helpers/random';
import { connect, resp } from '../../helpers/wire';
import { bulk } from './sharded-redis';

const T = { timeout: 60_000 };

test('a server on a Unix socket serves small and big values and its part of MGETs', T, async (t) => {
  const sockRedis = await startRedis({ extraArgs: ['--unixsocket', 'redis.sock', '--unixsocketperm', '700'] });
  t.after(() => sockRedis.stop());
  const tcpRedis = await startRedis();
  t.after(() => tcpRedis.stop());
  const path = join(sockRedis.dir, 'redis.sock');
  const port = await freePort();
  const yaml = ['ux:', `  listen: 127.0.0.1:${port}`, '  redis: true', '  servers:', `    - ${path}:1 s1`, `    - 127.0.0.1:${tcpRedis.port}:1 s2`, ''].join('\n');
  const proxy = await startProxy(yaml);
  t.after(() => proxy.stop());
  const server = (i: number) => proxy.proxy.snapshot().pools[0].servers[i].stats;

  const c = await connect(port);
  t.after(() => c.close());
  const next = rng(7);
  const keys = Array.from({ length: 24 }, (_, i) => `ux:${i}`);
  // Every fourth value is 6 MB: more than the socket buffers take at once.
  const values = keys.map((_, i) => randomBytes(next, i % 4 === 0 ? 6 * 1024 * 1024 : 100 + i));
  for (let i = 0; i < keys.length; i++) {
    c.send(resp('SET', keys[i], values[i]));
    assert.equal(String(await c.readReply('redis', 20_000)), '+OK\r\n', keys[i]);
  }
  assert.ok(server(0).requests > 0 && server(1).requests > 0, 'keys landed on both servers');
  for (let i = 0; i < keys.length; i++) {
    c.send(resp('GET', keys[i]));
    assert.ok((await c.readReply('redis', 20_000)).equals(bulk(values[i])), `GET ${keys[i]}`);
  }
  const small = keys.filter((_, i) => i % 4 !== 0);
  c.send(resp('MGET', ...small));
  const expected = Buffer.concat([Buffer.from(`*${small.length}\r\n`), ...keys.flatMap((_, i) => (i % 4 !== 0 ? [bulk(values[i])] : []))]);
  assert.ok((await c.readReply('redis', 20_000)).equals(expected), 'MGET across both servers');
  assert.equal(server(0).server_err + server(0).server_eof, 0, 'the Unix-socket connection never failed');
});
