// Reads through the shared buffer must behave like 'data' events: every chunk is its own Buffer whose
// bytes stay put after later reads (the scanners keep slices of chunks across reads). Accepted
// connections read through the same SocketReader in ClientStream (client-stream.test.ts). A reader
// told that its owner holds nothing any more (markIdle) reads into the same slab again.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as net from 'node:net';
import { once } from 'node:events';
import { SocketReader, slabsAllocated, slabsInUse } from '../../../src/proxy/socket-reader';
import { randomInt, rng } from '../../helpers/random';
import { mixedPieces, pieces, waitFor, zeroCopied } from '../../helpers/read-pieces';

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

// Reuse after markIdle(), driven without a socket: "reads" fill the buffer the reader asks for, as
// libuv does, and an owner keeps every chunk it was handed until it calls markIdle(). Whatever the
// read sizes and idle points, a chunk the owner still holds must keep its bytes.

/** Read `n` bytes (pattern from `seed`) into the reader's next buffer, as a socket read would. */
function feed(reader: SocketReader, n: number, seed: number): Buffer {
  const target = reader.buffer();
  const len = Math.min(n, target.length);
  for (let i = 0; i < len; i++) target[i] = (seed * 7 + i * 13) & 0xff;
  reader.callback(len, target);
  return target;
}

test('after markIdle, big reads reuse the slab they were read into instead of allocating', () => {
  const held: Buffer[] = [];
  const reader = new SocketReader((chunk) => held.push(chunk));
  feed(reader, 20_000, 1); // into the shared buffer, copied: switches to a slab
  const before = slabsAllocated();
  for (let i = 0; i < 100; i++) {
    held.length = 0; // the owner is done with every chunk
    reader.markIdle();
    feed(reader, 20_000, i);
  }
  assert.equal(slabsAllocated() - before, 0, 'one slab served 100 reads of 20,000 bytes');
  const without = new SocketReader(() => undefined);
  feed(without, 20_000, 1);
  const b2 = slabsAllocated();
  for (let i = 0; i < 100; i++) feed(without, 20_000, i);
  assert.ok(slabsAllocated() - b2 >= 30, 'without markIdle every slab is left to the chunks read into it');
  reader.release();
  without.release();
});

test('seeded reads and idle points: chunks still held keep their bytes, whatever the sizes', () => {
  for (let seed = 1; seed <= 40; seed++) {
    const next = rng(seed);
    const held: { chunk: Buffer; copy: Buffer }[] = [];
    let current: Buffer | null = null;
    const reader = new SocketReader((chunk) => (current = chunk));
    for (let step = 0; step < 300; step++) {
      const r = next();
      if (r < 0.3) {
        // The owner finished with everything: check it all, then let go and say so.
        for (const h of held) assert.ok(h.chunk.equals(h.copy), `seed ${seed} step ${step}: a held chunk changed`);
        held.length = 0;
        reader.markIdle();
        continue;
      }
      const n = r < 0.45 ? 1 + randomInt(next, 500) : r < 0.9 ? 8_000 + randomInt(next, 30_000) : 70_000;
      current = null;
      feed(reader, n, seed * 1000 + step);
      const chunk = current as unknown as Buffer;
      held.push({ chunk, copy: Buffer.from(chunk) });
    }
    for (const h of held) assert.ok(h.chunk.equals(h.copy), `seed ${seed}: a held chunk changed`);
    reader.release();
  }
});

test('markIdle while a chunk is being handed over is ignored: the rest of that chunk may still be scanned', () => {
  const held: { chunk: Buffer; copy: Buffer }[] = [];
  let reader: SocketReader;
  // An owner that keeps every chunk yet calls markIdle from inside onChunk (as a request answered
  // locally while its chunk is scanned could): none of what it keeps may be read over.
  reader = new SocketReader((chunk) => {
    reader.markIdle();
    held.push({ chunk, copy: Buffer.from(chunk) });
  });
  const next = rng(99);
  for (let i = 0; i < 200; i++) feed(reader, 8_000 + randomInt(next, 20_000), i);
  for (const h of held) assert.ok(h.chunk.equals(h.copy), 'a held chunk changed');
  reader.release();
});

test('a markIdle made inside onChunk is asked again once the chunk is handed over, and then holds', () => {
  // An owner that answers while the read is handled (its reply written inside onChunk) and keeps
  // nothing after: asked again after each chunk, it says so, and one slab serves every read.
  let retries = 0;
  let reader: SocketReader;
  reader = new SocketReader(
    () => reader.markIdle(),
    undefined,
    () => {
      retries++;
      reader.markIdle();
    },
  );
  feed(reader, 20_000, 1);
  const before = slabsAllocated();
  for (let i = 0; i < 100; i++) feed(reader, 20_000, i);
  assert.equal(retries, 101, 'asked again after every chunk');
  assert.equal(slabsAllocated() - before, 0, 'one slab served 100 reads of 20,000 bytes');
  // Not asked again when the owner did not ask inside onChunk.
  const quiet = new SocketReader(() => undefined, undefined, () => assert.fail('not asked'));
  for (let i = 0; i < 5; i++) feed(quiet, 20_000, i);
  reader.release();
  quiet.release();
});

test('seeded reads, idle points that keep an unfinished message, both slab sizes: kept chunks keep their bytes', () => {
  for (const slabSize of [64 * 1024, 256 * 1024]) {
    for (let seed = 1; seed <= 40; seed++) {
      const next = rng(seed);
      const held: { chunk: Buffer; copy: Buffer }[] = [];
      let current: Buffer | null = null;
      const reader = new SocketReader((chunk) => (current = chunk), slabSize);
      let reused = 0;
      for (let step = 0; step < 300; step++) {
        const r = next();
        if (r < 0.3) {
          for (const h of held) assert.ok(h.chunk.equals(h.copy), `slab ${slabSize} seed ${seed} step ${step}: a held chunk changed`);
          // Let go of all but the last few chunks (a message still being read), and say which is first.
          const keep = randomInt(next, Math.min(held.length, 3) + 1);
          held.splice(0, held.length - keep);
          reader.markIdle(keep > 0 ? held[0].chunk : null);
          continue;
        }
        const n = r < 0.45 ? 1 + randomInt(next, 500) : r < 0.9 ? 8_000 + randomInt(next, 30_000) : 70_000;
        current = null;
        const before = slabsAllocated();
        feed(reader, n, seed * 1000 + step);
        if (slabsAllocated() === before && n >= 8_000) reused++;
        const chunk = current as unknown as Buffer;
        held.push({ chunk, copy: Buffer.from(chunk) });
      }
      for (const h of held) assert.ok(h.chunk.equals(h.copy), `slab ${slabSize} seed ${seed}: a held chunk changed`);
      assert.ok(reused > 0, `slab ${slabSize} seed ${seed}: some big reads went into a slab already there`);
      reader.release();
    }
  }
});
