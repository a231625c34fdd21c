// The idle-connections load client against a small in-process redis stand-in on a free port: every
// connection opens, every request sent gets its reply counted (including replies split across
// packets), and connections the server drops are reported as failed.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server, type Socket } from 'node:net';
import { idleConns } from '../../../bench/idle-conns';

/** Answers each request with `reply`, written in pieces of `split` bytes (0 = whole). */
async function fakeRedis(reply: string, split = 0, onConnect?: (s: Socket, n: number) => void): Promise<{ server: Server; port: number; requests: () => number }> {
  let requests = 0;
  let conns = 0;
  const server = createServer((sock) => {
    onConnect?.(sock, conns++);
    sock.on('data', (chunk) => {
      // One GET per connection is in flight at a time, so one chunk = one request here.
      requests += chunk.toString('latin1').split('*2\r\n').length - 1;
      if (split === 0) sock.write(reply);
      else for (let i = 0; i < reply.length; i += split) sock.write(reply.slice(i, i + split));
    });
    sock.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const addr = server.address();
  return { server, port: typeof addr === 'object' && addr !== null ? addr.port : 0, requests: () => requests };
}

function close(server: Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}

test('every connection opens and every request sent is answered and timed', async () => {
  const fake = await fakeRedis('$-1\r\n');
  try {
    let connectedAt = -1;
    const r = await idleConns({ host: '127.0.0.1', port: fake.port, connections: 30, seconds: 1, onConnected: () => (connectedAt = fake.requests()) });
    assert.equal(connectedAt, 0);
    assert.equal(r.connections, 30);
    assert.equal(r.failed, 0);
    assert.ok(r.requests > 0);
    assert.equal(r.answered, r.requests);
    assert.equal(fake.requests(), r.requests);
    assert.ok(r.p50Ms > 0 && r.p50Ms <= r.p99Ms && r.p99Ms <= r.maxMs);
  } finally {
    await close(fake.server);
  }
});

test('a bulk reply split into 3-byte pieces is one reply, not several', async () => {
  const fake = await fakeRedis('$11\r\nhello world\r\n', 3);
  try {
    const r = await idleConns({ host: '127.0.0.1', port: fake.port, connections: 5, seconds: 1 });
    assert.equal(r.failed, 0);
    assert.ok(r.requests > 0);
    assert.equal(r.answered, r.requests);
  } finally {
    await close(fake.server);
  }
});

test('connections the server closes count as failed', async () => {
  const fake = await fakeRedis('$-1\r\n', 0, (sock, n) => {
    if (n % 2 === 1) sock.destroy();
  });
  try {
    const r = await idleConns({ host: '127.0.0.1', port: fake.port, connections: 10, seconds: 1 });
    assert.equal(r.failed, 5);
  } finally {
    await close(fake.server);
  }
});
