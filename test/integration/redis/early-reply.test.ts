// A backend that answers a request before it has read all of it (memcached does, for a value over
// its item limit) while the proxy's write of that request is still waiting for the kernel: the
// client is answered, so it looks idle, but the bytes of its request are still being written from
// its read slab. What it sends next must not be read over them (serverWritesSettled in
// server-conn.ts). The backend here answers `+OK` as soon as each request starts, stops reading for a
// while at the start of each big one, and at the end checks that it got exactly the bytes sent.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Socket } from 'node:net';
import { once } from 'node:events';
import { connect, resp } from '../../helpers/wire';
import { poolYaml, startProxy } from '../../helpers/proxy';
import { randomBytes, randomInt, rng } from '../../helpers/random';

const T = { timeout: 60_000 };
const ROUNDS = 6;

test('a request answered before its bytes have left is not read over by the requests after it', T, async (t) => {
  const next = rng(21);
  // Each round: a big SET (answered early, its write held up), then two pipelined ones sent apart,
  // so that the second is read after the client looked idle.
  const rounds = Array.from({ length: ROUNDS }, (_, r) => [
    resp('SET', `er:big:${r}`, randomBytes(next, 6 * 1024 * 1024 + randomInt(next, 64 * 1024))),
    resp('SET', `er:a:${r}`, randomBytes(next, 16_000 + randomInt(next, 8_000))),
    resp('SET', `er:b:${r}`, randomBytes(next, 16_000 + randomInt(next, 8_000))),
  ]);
  const requests = rounds.flat();
  const expected = Buffer.concat(requests);
  const starts: number[] = [];
  for (let i = 0, at = 0; i < requests.length; at += requests[i++].length) starts.push(at);

  const received: Buffer[] = [];
  let receivedBytes = 0;
  let answered = 0;
  let backendSocket: Socket | null = null;
  const backend = createServer((sock) => {
    backendSocket = sock;
    sock.on('data', (chunk: Buffer) => {
      received.push(chunk);
      receivedBytes += chunk.length;
      while (answered < starts.length && starts[answered] < receivedBytes) {
        sock.write('+OK\r\n');
        // The start of a big request: stop reading, so the proxy's write of it has to wait.
        if (answered % 3 === 0) {
          sock.pause();
          setTimeout(() => sock.resume(), 300);
        }
        answered++;
      }
    });
  });
  backend.listen(0, '127.0.0.1');
  await once(backend, 'listening');
  t.after(() => backend.close());
  const port = (backend.address() as { port: number }).port;
  const { yaml, ports } = await poolYaml({ name: 'er', redis: true, servers: [{ host: '127.0.0.1', port }] });
  const proxy = await startProxy(yaml);
  t.after(() => proxy.stop());

  const c = await connect(ports.er);
  for (const [big, a, b] of rounds) {
    c.send(big);
    assert.equal(String(await c.readReply('redis', 10_000)), '+OK\r\n');
    c.send(a);
    await new Promise((r) => setTimeout(r, 20));
    c.send(b);
    assert.deepEqual((await c.readReplies(2, 'redis', 10_000)).map(String), ['+OK\r\n', '+OK\r\n']);
  }
  const deadline = Date.now() + 10_000;
  while (receivedBytes < expected.length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  await c.close();
  (backendSocket as Socket | null)?.destroy();
  const got = Buffer.concat(received);
  assert.equal(got.length, expected.length, 'the backend got every byte');
  for (let i = 0; i < requests.length; i++) {
    assert.ok(got.subarray(starts[i], starts[i] + requests[i].length).equals(requests[i]), `request ${i} arrived as sent`);
  }
});
