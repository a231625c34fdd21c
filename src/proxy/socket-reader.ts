// Reading sockets without Node's per-read cost: by default every read allocates a 64 KiB buffer in
// C++ (malloc, read, realloc, wrap as an ArrayBuffer) and goes through the Readable stream machinery
// ('data' event). Here every socket reads into one shared buffer (`onread`; the event loop runs one
// read callback at a time, so sharing is safe) and the bytes read are copied into a right-sized
// Buffer — from Node's pool when small — that the scanners may keep slices of, as before.
//
// Sockets we connect use the documented `onread` option. Accepted sockets have no such option, so
// the same switch is made on the socket after it is created (paused, before its first read), using
// the fields `onread` sets; when a Node version lacks them, the socket keeps its 'data' events.

import type * as net from 'node:net';
import { copyRange } from '../protocol/copy-range';

const SHARED = Buffer.allocUnsafe(64 * 1024);

export type ChunkHandler = (chunk: Buffer) => void;

function copyOut(nread: number): Buffer {
  const chunk = Buffer.allocUnsafe(nread);
  copyRange(SHARED, 0, nread, chunk, 0);
  return chunk;
}

/** The `onread` option of net.connect: delivers each read as its own Buffer. */
export function onreadOption(onChunk: ChunkHandler): net.OnReadOpts {
  return {
    buffer: SHARED,
    callback: (nread: number) => {
      onChunk(copyOut(nread));
      return true; // pausing goes through socket.pause(), which onread sockets honour
    },
  };
}

/** The symbols under which net.Socket keeps what its `onread` option was given (Node 12.2+). */
let symbols: { buffer: symbol; callback: symbol } | null | undefined;

function onreadSymbols(socket: net.Socket): { buffer: symbol; callback: symbol } | null {
  if (symbols !== undefined) return symbols;
  const own = Object.getOwnPropertySymbols(socket);
  const buffer = own.find((s) => s.description === 'kBuffer');
  const callback = own.find((s) => s.description === 'kBufferCb');
  symbols = buffer !== undefined && callback !== undefined ? { buffer, callback } : null;
  return symbols;
}

/**
 * Deliver an accepted socket's reads to `onChunk`, then start reading. The listener must have been
 * created with `pauseOnConnect: true` so that no read has happened yet. Returns whether the shared
 * buffer is used (false: 'data' events, on a Node without the fields, or when `shared` is false).
 */
export function readAccepted(socket: net.Socket, onChunk: ChunkHandler, shared = true): boolean {
  const handle = (socket as unknown as { _handle: { useUserBuffer?: (b: Uint8Array) => void } | null })._handle;
  const syms = onreadSymbols(socket);
  const fast = shared && handle !== null && typeof handle.useUserBuffer === 'function' && syms !== null;
  if (fast) {
    const opts = onreadOption(onChunk);
    const fields = socket as unknown as Record<symbol, unknown>;
    fields[syms.buffer] = opts.buffer;
    fields[syms.callback] = opts.callback;
    (handle as { useUserBuffer: (b: Uint8Array) => void }).useUserBuffer(SHARED);
  } else {
    socket.on('data', onChunk);
  }
  socket.resume();
  return fast;
}
