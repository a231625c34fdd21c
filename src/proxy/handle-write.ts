// Writing a batch of parts straight to a libuv stream handle (TCPWrap or PipeWrap), the way net.js
// does underneath its Writable stream, without the stream: no per-write request object when the
// kernel takes the bytes at once, no buffered-chunk records, no nextTick to finish each write. Used
// by accepted client connections (client-stream.ts) and by server connections, whose net.Socket
// keeps connecting, reading and closing while writes bypass it (server-conn.ts).

import { streamBinding } from './stream-binding';
import { batchParts } from './write-batch';

/** The write side of a libuv stream handle, as JavaScript sees it. */
export interface WritableHandle {
  writeBuffer(req: WriteReq, buf: Uint8Array): number;
  writev(req: WriteReq, chunks: Uint8Array[], allBuffers: true): number;
}

/** Hears when a write that could not complete at once has completed (status < 0: it failed). */
export interface WriteOwner {
  writeDone(bytes: number, status: number): void;
}

interface WriteReq {
  oncomplete: (this: WriteReq, status: number) => void;
  bytes: number;
  /** Keeps what is being written alive until the kernel has it. */
  buffer: Buffer | Buffer[] | null;
  owner: WriteOwner | null;
}

const { streamBaseState, kLastWriteWasAsync } = streamBinding;
const WriteWrap = streamBinding.WriteWrap as new () => WriteReq;

/** writeParts() result: the write waits in libuv; its owner's writeDone() follows. */
export const WRITE_PENDING = 1;

function newWriteReq(): WriteReq {
  const req = new WriteWrap();
  req.oncomplete = onWriteDone;
  req.bytes = 0;
  req.buffer = null;
  req.owner = null;
  return req;
}

function onWriteDone(this: WriteReq, status: number): void {
  const owner = this.owner;
  this.buffer = null;
  this.owner = null;
  if (owner !== null) owner.writeDone(this.bytes, status);
}

/**
 * The request object for the next write. A write the kernel takes at once (nearly every one) never
 * gives its request to C++ (libuv's try-write path), so the same object serves the next write; a
 * write that has to wait keeps its request until oncomplete, and a new spare is made.
 */
let spare: WriteReq = newWriteReq();

/**
 * Write `parts` (`total` bytes; see batchParts) in one write or writev. Returns 0 when the kernel
 * took every byte, WRITE_PENDING when the rest waits in libuv (`owner.writeDone(total, status)`
 * follows, also when the handle is closed first), or a negative errno when the write failed.
 */
export function writeParts(handle: WritableHandle, parts: Buffer[], total: number, owner: WriteOwner): number {
  const batch = batchParts(parts, total);
  const req = spare;
  const err = Array.isArray(batch) ? handle.writev(req, batch, true) : handle.writeBuffer(req, batch);
  if (err !== 0) {
    spare = newWriteReq(); // C++ may have wrapped it before failing: not reused
    return err;
  }
  if (streamBaseState[kLastWriteWasAsync] === 0) return 0;
  spare = newWriteReq();
  req.bytes = total;
  req.buffer = batch;
  req.owner = owner;
  return WRITE_PENDING;
}
