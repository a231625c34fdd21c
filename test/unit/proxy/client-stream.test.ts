// ClientStream drives accepted connections on their libuv handle, without net.Socket. It must keep
// every behaviour a client sees through net.Socket: bytes in order and unchanged (reads through the
// shared buffer and zero-copy slabs), pause/resume, half-close both ways, FIN only after every
// buffered byte, backpressure accounting (writableLength, drain), and errors reported as such.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import * as net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ClientStream, takeOverAccepts, type ClientStreamEvents } from '../../../src/proxy/client-stream';
import { READ_LIMITS, slabsInUse } from '../../../src/proxy/socket-reader';
import { mixedPieces, pieces, sendInPieces, waitFor, zeroCopied } from '../../helpers/read-pieces';

interface Accepted {
  stream: ClientStream;
  chunks: Buffer[];
  log: string[];
  closed: Promise<boolean>;
}

/**
 * A listener whose connections are taken over; `endOnEnd`: answer the client's FIN with ours.
 * `path`: a unix socket (libuv Pipe handles) instead of TCP on 127.0.0.1.
 */
async function listen(endOnEnd = true, path: string | null = null) {
  const server = net.createServer();
  let socketEvents = 0;
  server.on('connection', () => socketEvents++);
  await new Promise<void>((r) => (path === null ? server.listen(0, '127.0.0.1', r) : server.listen(path, r)));
  const accepted: Accepted[] = [];
  const waiters: Array<(a: Accepted) => void> = [];
  takeOverAccepts(server, true, (handle) => {
    const chunks: Buffer[] = [];
    const log: string[] = [];
    let closed!: (hadError: boolean) => void;
    const a = { chunks, log, closed: new Promise<boolean>((r) => (closed = r)) } as Accepted;
    const events: ClientStreamEvents = {
      onData: (chunk) => chunks.push(chunk),
      onEnd: () => {
        log.push('end');
        if (endOnEnd) a.stream.end();
      },
      onDrain: () => log.push('drain'),
      onClose: (hadError) => {
        log.push(`close ${hadError}`);
        closed(hadError);
      },
      onIdleRetry: () => undefined,
    };
    a.stream = new ClientStream(handle, events);
    a.stream.start();
    accepted.push(a);
    waiters.shift()?.(a);
  });
  const next = (): Promise<Accepted> => new Promise((r) => (accepted.length > 0 ? r(accepted.shift() as Accepted) : waiters.push(r)));
  const port = path === null ? (server.address() as net.AddressInfo).port : 0;
  return { server, port, next, socketEvents: () => socketEvents };
}

async function connect(port: number, path: string | null = null): Promise<net.Socket> {
  const c = path === null ? net.connect({ port, host: '127.0.0.1', allowHalfOpen: true }) : net.connect({ path, allowHalfOpen: true });
  await once(c, 'connect');
  return c;
}

/** Everything the client receives until the proxy's FIN. */
function collect(c: net.Socket): Promise<Buffer> {
  const got: Buffer[] = [];
  c.on('data', (d) => got.push(d));
  return new Promise((r) => c.once('end', () => r(Buffer.concat(got))));
}

test('reads: chunks keep their bytes after later reads, EOF arrives, and no net.Socket is made', async () => {
  const l = await listen();
  const sent = pieces();
  const [, a] = await Promise.all([sendInPieces(l.port, sent), l.next()]);
  assert.equal(await a.closed, false);
  assert.ok(a.chunks.length > 1, 'several reads happened');
  assert.deepEqual(Buffer.concat(a.chunks), Buffer.concat(sent));
  assert.deepEqual(a.log, ['end', 'close false']);
  assert.equal(l.socketEvents(), 0, "net.Server's connection event never fired");
  l.server.close();
});

test('reads: big reads are handed over without a copy and keep their bytes; slabs are released on close', async () => {
  const l = await listen();
  const sent = mixedPieces();
  const [, a] = await Promise.all([sendInPieces(l.port, sent), l.next()]);
  await a.closed;
  assert.deepEqual(Buffer.concat(a.chunks), Buffer.concat(sent));
  assert.ok(zeroCopied(a.chunks) >= 3, `some reads were zero-copy views of a slab (${zeroCopied(a.chunks)})`);
  await waitFor(() => slabsInUse() === 0, 'a closed connection gives its slab back');
  l.server.close();
});

test('reads: past the slab limit big reads are copied, bytes unchanged', async () => {
  const saved = READ_LIMITS.maxSlabs;
  READ_LIMITS.maxSlabs = 0;
  try {
    const l = await listen();
    const sent = mixedPieces();
    const [, a] = await Promise.all([sendInPieces(l.port, sent), l.next()]);
    await a.closed;
    assert.deepEqual(Buffer.concat(a.chunks), Buffer.concat(sent));
    assert.equal(zeroCopied(a.chunks), 0);
    assert.equal(slabsInUse(), 0);
    l.server.close();
  } finally {
    READ_LIMITS.maxSlabs = saved;
  }
});

test('pause stops reads and resume restarts them', async () => {
  const l = await listen();
  const c = await connect(l.port);
  const a = await l.next();
  a.stream.pause();
  c.write('one');
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(a.chunks.length, 0, 'nothing read while paused');
  a.stream.resume();
  await waitFor(() => a.chunks.length > 0, 'read after resume');
  assert.equal(Buffer.concat(a.chunks).toString(), 'one');
  c.end();
  c.resume();
  await a.closed;
  l.server.close();
});

test('writes: one part, coalesced small parts and big parts by reference arrive in order; end() sends FIN after them', async () => {
  const l = await listen(false);
  const c = await connect(l.port);
  const received = collect(c);
  const a = await l.next();
  const small = Array.from({ length: 50 }, (_, i) => Buffer.from(`+reply ${i}\r\n`));
  const big = mixedPieces();
  a.stream.write([Buffer.from('+first\r\n')], 8);
  a.stream.write(small, small.reduce((n, b) => n + b.length, 0));
  a.stream.write([...big, ...small], [...big, ...small].reduce((n, b) => n + b.length, 0));
  a.stream.end();
  const got = await received;
  assert.deepEqual(got, Buffer.concat([Buffer.from('+first\r\n'), ...small, ...big, ...small]));
  assert.deepEqual(a.log, [], 'no close before the client closes its side');
  c.end();
  assert.equal(await a.closed, false);
  assert.deepEqual(a.log, ['end', 'close false']);
  l.server.close();
});

test('writes the client does not read: writableLength counts them, drain comes once the client reads', async () => {
  const l = await listen(false);
  const c = await connect(l.port);
  c.pause();
  const a = await l.next();
  const block = Buffer.alloc(1024 * 1024, 7);
  for (let i = 0; i < 16; i++) a.stream.write([block], block.length);
  assert.ok(a.stream.writableLength > 0, `bytes wait for the kernel (${a.stream.writableLength})`);
  assert.ok(!a.log.includes('drain'));
  let got = 0;
  c.on('data', (d) => (got += d.length));
  c.resume();
  await waitFor(() => a.log.includes('drain'), 'drain once everything is written');
  assert.equal(a.stream.writableLength, 0);
  await waitFor(() => got === 16 * block.length, 'the client got every byte');
  a.stream.destroy();
  assert.equal(await a.closed, false);
  l.server.close();
});

test('the client half-closes first: our end() closes once our FIN is out, and a write after end() is dropped', async () => {
  const l = await listen(true);
  const c = await connect(l.port);
  const received = collect(c);
  const a = await l.next();
  c.write('question');
  c.end();
  await waitFor(() => a.log.includes('end'), 'EOF seen');
  // listen(true) already called end() in onEnd: a write after it is dropped, not sent after the FIN.
  a.stream.write([Buffer.from('late')], 4);
  assert.equal(await a.closed, false);
  assert.equal((await received).toString(), '');
  assert.equal(Buffer.concat(a.chunks).toString(), 'question');
  l.server.close();
});

test('a client that resets the connection closes the stream with an error', async () => {
  const l = await listen();
  const c = await connect(l.port);
  const a = await l.next();
  c.resetAndDestroy();
  assert.equal(await a.closed, true);
  assert.deepEqual(a.log, ['close true']);
  l.server.close();
});

test('destroy() closes at once: onClose before it returns, the client sees our FIN, nothing more is delivered', async () => {
  const l = await listen();
  const c = await connect(l.port);
  const a = await l.next();
  const gone = new Promise<void>((r) => c.once('end', () => r()));
  c.resume();
  a.stream.destroy();
  // The owner may count the connection closed at once: the descriptor is closed already.
  assert.deepEqual(a.log, ['close false']);
  a.stream.destroy(); // twice is harmless
  assert.equal(await a.closed, false);
  await gone;
  a.stream.write([Buffer.from('x')], 1); // after close: ignored, no throw
  a.stream.end();
  assert.deepEqual(a.log, ['close false']);
  l.server.close();
});

test('a unix-socket listener: its Pipe handles read, write, half-close and ignore TCP-only options', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'client-stream-'));
  const path = join(dir, 's.sock');
  try {
    const l = await listen(true, path);
    const c = await connect(0, path);
    const received = collect(c);
    const a = await l.next();
    a.stream.setKeepAlive(true); // a no-op on a pipe, not a throw
    c.write('ping');
    await waitFor(() => a.chunks.length > 0, 'read from the pipe');
    a.stream.write([Buffer.from('+PONG\r\n'), Buffer.from('+OK\r\n')], 12);
    c.end();
    assert.equal((await received).toString(), '+PONG\r\n+OK\r\n');
    assert.equal(await a.closed, false);
    assert.deepEqual(a.log, ['end', 'close false']);
    l.server.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
