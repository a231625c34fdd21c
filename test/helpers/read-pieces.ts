// Byte patterns for read-path tests (socket-reader, client-stream): pieces sent with pauses so that
// the other side sees separate reads, and a way to tell zero-copy chunks from copies.

import assert from 'node:assert/strict';
import { once } from 'node:events';
import * as net from 'node:net';

export async function sendInPieces(port: number, pieces: Buffer[]): Promise<void> {
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

export function pieces(): Buffer[] {
  return Array.from({ length: 20 }, (_, i) => Buffer.alloc(100 + i * 37, 65 + (i % 26)));
}

export async function waitFor(cond: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 100 && !cond(); i++) await new Promise((r) => setTimeout(r, 10));
  assert.ok(cond(), what);
}

/** Big and small pieces mixed: big reads switch a socket to zero-copy slabs, small ones back. */
export function mixedPieces(): Buffer[] {
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
export function zeroCopied(chunks: Buffer[]): number {
  return chunks.filter((c) => c.buffer.byteLength === 64 * 1024 && c.length !== c.buffer.byteLength).length;
}

