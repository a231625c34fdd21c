// Reads through the shared buffer must behave like 'data' events: every chunk is its own Buffer whose
// bytes stay put after later reads (the scanners keep slices of chunks across reads), end and
// pause/resume still work, and both connected and accepted sockets get the fast path on this Node.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as net from 'node:net';
import { once } from 'node:events';
import { READ_LIMITS, SocketReader, readAccepted, slabsInUse } from '../../../src/proxy/socket-reader';

/** A listener whose accepted sockets are read with readAccepted(shared); collects chunks. */
async function listen(shared: boolean) {
  const chunks: Buffer[] = [];
  let usedShared: boolean | null = null;
  let accepted: net.Socket | null = null;
  const ended = new Promise<void>((resolve) => {
    const server = net.createServer({ pauseOnConnect: true, allowHalfOpen: true }, (socket) => {
      accepted = socket;
      socket.on('end', () => {
        resolve();
        socket.end();
        server.close();
      });
      usedShared = readAccepted(socket, (chunk) => chunks.push(chunk), shared);
    });
    server.listen(0, '127.0.0.1', () => listening(server));
  });
  let listening!: (s: net.Server) => void;
  const server = await new Promise<net.Server>((r) => (listening = r));
  const port = (server.address() as net.AddressInfo).port;
  return { port, chunks, ended, shared: () => usedShared, socket: () => accepted as net.Socket | null };
}

async function sendInPieces(port: number, pieces: Buffer[]): Promise<void> {
  const c = net.connect({ port, host: '127.0.0.1', noDelay: true });
  await once(c, 'connect');
  for (const p of pieces) {
    c.write(p);
    await new Promise((r) => setTimeout(r, 5)); // separate reads on the other side
  }
  c.end();
  c.resume();
  await once(c, 'close');
}

function pieces(): Buffer[] {
  return Array.from({ length: 20 }, (_, i) => Buffer.alloc(100 + i * 37, 65 + (i % 26)));
}

async function waitFor(cond: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 100 && !cond(); i++) await new Promise((r) => setTimeout(r, 10));
  assert.ok(cond(), what);
}

/** Big and small pieces mixed: big reads switch a socket to zero-copy slabs, small ones back. */
function mixedPieces(): Buffer[] {
  const sizes = [300, 20_000, 20_000, 20_000, 20_000, 50, 9_000, 200_000, 10, 17_000, 17_000, 100, 70_000, 5];
  return sizes.map((n, i) => {
    const b = Buffer.allocUnsafe(n);
    for (let j = 0; j < n; j++) b[j] = (i * 31 + j) & 0xff;
    return b;
  });
}

/**
 * Chunks that are views into a 64 KiB slab: reads handed over without a copy. A copy of 4 KiB or more
 * has an ArrayBuffer of exactly its own length; smaller copies come from Node's 8 KiB pool.
 */
function zeroCopied(chunks: Buffer[]): number {
  return chunks.filter((c) => c.buffer.byteLength === 64 * 1024 && c.length !== c.buffer.byteLength).length;
}

for (const shared of [true, false]) {
  test(`accepted socket (${shared ? 'shared buffer' : "'data' events"}): chunks keep their bytes after later reads, and end arrives`, async () => {
    const l = await listen(shared);
    const sent = pieces();
    await sendInPieces(l.port, sent);
    await l.ended;
    assert.equal(l.shared(), shared, 'the fast path is available on this Node');
    assert.ok(l.chunks.length > 1, 'several reads happened');
    assert.deepEqual(Buffer.concat(l.chunks), Buffer.concat(sent));
  });
}

test('accepted socket: big reads are handed over without a copy and keep their bytes, small ones after them too', async () => {
  const l = await listen(true);
  const sent = mixedPieces();
  await sendInPieces(l.port, sent);
  await l.ended;
  assert.deepEqual(Buffer.concat(l.chunks), Buffer.concat(sent));
  assert.ok(zeroCopied(l.chunks) >= 3, `some reads were zero-copy views of a slab (${zeroCopied(l.chunks)})`);
  await waitFor(() => slabsInUse() === 0, 'a closed socket gives its slab back');
});

test('accepted socket: past the slab limit big reads are copied, bytes unchanged', async () => {
  const saved = READ_LIMITS.maxSlabs;
  READ_LIMITS.maxSlabs = 0;
  try {
    const l = await listen(true);
    const sent = mixedPieces();
    await sendInPieces(l.port, sent);
    await l.ended;
    assert.deepEqual(Buffer.concat(l.chunks), Buffer.concat(sent));
    assert.equal(zeroCopied(l.chunks), 0);
    assert.equal(slabsInUse(), 0);
  } finally {
    READ_LIMITS.maxSlabs = saved;
  }
});

test('accepted socket with the shared buffer: pause stops reads and resume restarts them', async () => {
  const l = await listen(true);
  const c = net.connect({ port: l.port, host: '127.0.0.1' });
  await once(c, 'connect');
  await new Promise((r) => setTimeout(r, 20));
  const s = l.socket() as net.Socket;
  s.pause();
  c.write('one');
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(l.chunks.length, 0, 'nothing read while paused');
  s.resume();
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(Buffer.concat(l.chunks).toString(), 'one');
  c.end();
  c.resume();
  await l.ended;
});

for (const [name, make] of [['small', pieces], ['big and small', mixedPieces]] as const)
test(`connected socket with a SocketReader (${name} pieces): chunks keep their bytes after later reads`, async () => {
  const sent = make();
  const server = net.createServer(async (socket) => {
    for (const p of sent) {
      socket.write(p);
      await new Promise((r) => setTimeout(r, 5));
    }
    socket.end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const chunks: Buffer[] = [];
  const onread = new SocketReader((chunk) => chunks.push(chunk));
  const c = net.connect({ port: (server.address() as net.AddressInfo).port, host: '127.0.0.1', onread });
  c.once('close', () => onread.release()); // as ServerConn does
  await once(c, 'end');
  c.destroy();
  server.close();
  assert.ok(chunks.length > 1);
  assert.deepEqual(Buffer.concat(chunks), Buffer.concat(sent));
  if (make === mixedPieces) assert.ok(zeroCopied(chunks) >= 3, 'some reads were zero-copy views of a slab');
  await waitFor(() => slabsInUse() === 0, 'a closed socket gives its slab back');
});
