// The fault-injecting fake backend does what each mode promises, seen through the wire client, and the
// wire client's reads fail with clear messages (timeout, early close) instead of hanging a test.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { FAKE_MODES, startFakeBackend, type FakeBackend, type FakeBackendOptions } from './fake-backend';
import { clientFor, resp, type AfterHook } from './wire';

const T = { timeout: 20_000 };

/** Start a fake, closed after the test even when an assertion fails first. */
async function fakeFor(t: AfterHook, opts: FakeBackendOptions): Promise<FakeBackend> {
  const fake = await startFakeBackend(opts);
  t.after(() => fake.close());
  return fake;
}

test('every fake mode is described', () => {
  assert.deepEqual(Object.keys(FAKE_MODES).sort(), ['answer', 'close-mid-reply', 'drip', 'error', 'reset', 'silent']);
});

test('answer mode replies to each pipelined request in order and records them', T, async (t) => {
  const fake = await fakeFor(t, { mode: 'answer', reply: (req, i) => `:${i}\r\n` });
  const c = await clientFor(t, fake.port);
  c.send(Buffer.concat([resp('GET', 'a'), resp('GET', 'b'), resp('SET', 'c', 'x\r\ny')]));
  assert.deepEqual((await c.readReplies(3, 'redis')).map(String), [':0\r\n', ':1\r\n', ':2\r\n']);
  assert.deepEqual(fake.requests.map(String), [resp('GET', 'a'), resp('GET', 'b'), resp('SET', 'c', 'x\r\ny')].map(String));
  assert.equal(fake.connections, 1);
});

test('silent mode reads requests but never answers, so a read times out showing nothing arrived', T, async (t) => {
  const fake = await fakeFor(t, { mode: 'silent' });
  const c = await clientFor(t, fake.port);
  c.send(resp('PING'));
  await fake.waitForRequests(1);
  await assert.rejects(c.readReply('redis', 200), /reading 1 redis replies: timed out after 200 ms; received ""/);
  assert.equal(c.closed, false);
});

test('error mode answers every request with the error line, CRLF added', T, async (t) => {
  const fake = await fakeFor(t, { mode: 'error', protocol: 'memcache', error: 'SERVER_ERROR out of memory' });
  const c = await clientFor(t, fake.port);
  c.send('get a\r\nset b 0 0 2\r\nhi\r\n');
  const replies = (await c.readReplies(2, 'memcache')).map(String);
  assert.deepEqual(replies, ['SERVER_ERROR out of memory\r\n', 'SERVER_ERROR out of memory\r\n']);
  assert.deepEqual(fake.requests.map(String), ['get a\r\n', 'set b 0 0 2\r\nhi\r\n']);
});

test('close-mid-reply sends the first bytes of the reply and then closes', T, async (t) => {
  const fake = await fakeFor(t, { mode: 'close-mid-reply', reply: '$10\r\n0123456789\r\n', cutAfter: 7 });
  const c = await clientFor(t, fake.port);
  c.send(resp('GET', 'k'));
  assert.equal(String(await c.readUntilClose()), '$10\r\n01');
});

test('a read that the peer cuts short fails naming how many replies arrived', T, async (t) => {
  const fake = await fakeFor(t, { mode: 'close-mid-reply', reply: '+OK\r\n$3\r\nabc\r\n', cutAfter: 9 });
  const c = await clientFor(t, fake.port);
  c.send(resp('GET', 'k'));
  await assert.rejects(c.readReplies(2, 'redis'), /connection closed after 1 of 2 redis replies: "\+OK\\r\\n"; left over "\$3\\r\\n"/);
});

test('drip mode delivers whole replies one byte per write', T, async (t) => {
  const fake = await fakeFor(t, { mode: 'drip', reply: '+PONG\r\n', dripDelayMs: 2 });
  const c = await clientFor(t, fake.port);
  let chunks = 0;
  c.socket.on('data', () => chunks++);
  c.send(Buffer.concat([resp('PING'), resp('PING')]));
  assert.deepEqual((await c.readReplies(2, 'redis')).map(String), ['+PONG\r\n', '+PONG\r\n']);
  assert.ok(chunks > 1, `expected the replies in several chunks, got ${chunks}`);
});

test('reset mode resets the connection on the first request', T, async (t) => {
  const fake = await fakeFor(t, { mode: 'reset' });
  const c = await clientFor(t, fake.port);
  c.send(resp('PING'));
  assert.equal((await c.readUntilClose()).length, 0);
  assert.equal((c.error as NodeJS.ErrnoException | null)?.code, 'ECONNRESET');
});

test('a fake can change behaviour mid-connection and drop its connections', T, async (t) => {
  const fake = await fakeFor(t, { mode: 'error', error: '-ERR down' });
  const c = await clientFor(t, fake.port);
  c.send(resp('GET', 'a'));
  assert.equal(String(await c.readReply('redis')), '-ERR down\r\n');
  fake.setBehaviour({ mode: 'answer', reply: '+OK\r\n' });
  c.send(resp('GET', 'a'));
  assert.equal(String(await c.readReply('redis')), '+OK\r\n');
  fake.dropConnections();
  assert.equal((await c.readUntilClose()).length, 0);
  const d = await clientFor(t, fake.port);
  await fake.waitForConnections(2);
  await fake.waitUntil('the dropped connection to close', () => fake.open === 1);
  assert.equal(d.closed, false);
});

test('a fake restarted on the same port is reachable again', T, async (t) => {
  const first = await fakeFor(t, { mode: 'answer', reply: '+ONE\r\n' });
  const port = first.port;
  await first.close();
  const second = await fakeFor(t, { mode: 'answer', reply: '+TWO\r\n', port });
  const c = await clientFor(t, second.port);
  c.send(resp('PING'));
  assert.equal(String(await c.readReply('redis')), '+TWO\r\n');
});

test('the wire client frames replies however the server splits its writes', T, async (t) => {
  const replies = ['+OK\r\n', '$5\r\nab\r\nc\r\n', '*2\r\n$1\r\nx\r\n:7\r\n', '$-1\r\n'];
  const bytes = Buffer.from(replies.join(''));
  const sockets = new Set<Socket>();
  const server = createServer((sock) => {
    sockets.add(sock);
    sock.setNoDelay(true);
    let at = 0;
    const step = (): void => {
      if (at >= bytes.length) return;
      sock.write(bytes.subarray(at, at + 3));
      at += 3;
      setImmediate(step);
    };
    sock.once('data', step);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => {
    for (const sock of sockets) sock.destroy();
    return new Promise<void>((resolve) => server.close(() => resolve()));
  });
  const c = await clientFor(t, (server.address() as AddressInfo).port);
  c.send('go');
  assert.deepEqual((await c.readReplies(4, 'redis')).map(String), replies);
  assert.equal(c.pending.length, 0);
});
