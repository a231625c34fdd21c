// Reading sockets without Node's per-read cost: by default every read allocates a 64 KiB buffer in
// C++ (malloc, read, realloc, wrap as an ArrayBuffer) and goes through the Readable stream machinery
// ('data' event). Here reads go through the `onread` hooks instead, in one of two modes per socket:
//
// - small reads (the common case: requests and replies of a few hundred bytes) land in one buffer
//   shared by every socket (the event loop runs one read callback at a time, so sharing is safe) and
//   are copied into a right-sized Buffer — from a shared pool when small (allocSmall) — that the
//   scanners may keep slices of;
// - after a read of ZERO_COPY_FROM bytes or more (big values), the socket reads into a slab of its
//   own and each read is handed over as a view of the slab, without a copy; the next read goes to
//   the rest of the slab, never over bytes already handed over until the owner says they are free
//   (markIdle). A small read that does not fill its buffer sends the socket back to the shared
//   buffer, leaving the slab to the views still using it.
//
// Sockets we connect use the documented `onread` option; accepted client connections are read by
// ClientStream (client-stream.ts) on their handle, with the same SocketReader.

import { copyRange } from '../protocol/copy-range';
import { allocSmall, slice } from '../protocol/slice';

const SHARED = Buffer.allocUnsafe(64 * 1024);
/** Size of a socket's own slab in zero-copy mode, unless its reader is given another. */
const SLAB_SIZE = 64 * 1024;
/** A read at least this long switches its socket to zero-copy reads (a copy would cost more). */
const ZERO_COPY_FROM = 8 * 1024;
/** A slab with less room than this left is not read into again: the next read gets a fresh one. */
const MIN_SLAB_ROOM = 16 * 1024;

export const READ_LIMITS = {
  /**
   * Sockets that may read into a slab of their own at once. A connection keeps its slab until its
   * next read, so many idle connections whose last read was big would hold 64 KiB each; past this
   * many (32 MiB of slabs), big reads are copied like small ones.
   */
  maxSlabs: 512,
};

let slabsHeld = 0;
let slabsMade = 0;

/** Sockets now reading into a slab of their own (for tests and diagnostics). */
export function slabsInUse(): number {
  return slabsHeld;
}

/** Slabs allocated since start: far fewer than big reads when idle sockets reuse theirs (tests). */
export function slabsAllocated(): number {
  return slabsMade;
}

function newSlab(size: number): Buffer {
  slabsMade++;
  return Buffer.allocUnsafeSlow(size);
}

export type ChunkHandler = (chunk: Buffer) => void;

function copyOut(nread: number): Buffer {
  const chunk = allocSmall(nread);
  copyRange(SHARED, 0, nread, chunk, 0);
  return chunk;
}

/**
 * One socket's reads: the `buffer` and `callback` of Node's `onread` option (pass the reader itself as
 * net.connect's `onread`), plus release(), to be called when the socket closes.
 */
export class SocketReader {
  /** Where the next read goes: SHARED, or a region of `slab`. */
  private next: Buffer = SHARED;
  /** Zero-copy mode: this socket's slab, and the region [nextStart, nextEnd) of it that `next` is. */
  private slab: Buffer | null = null;
  private nextStart = 0;
  private nextEnd = 0;
  /** Set by markIdle(): no byte read before the coming read is referenced any more, but for those from keepFrom on. */
  private idle = false;
  /** With idle: the slab offset of the first byte still kept (-1: none); every later byte read is kept too. */
  private keepFrom = -1;
  /** Inside onChunk: the rest of the chunk is still to be scanned, so markIdle() cannot hold yet. */
  private handing = false;
  /** markIdle() was called inside onChunk: onIdleRetry is called once the chunk is handed over. */
  private askedWhileHanding = false;
  /**
   * `onIdleRetry`: called after a chunk during whose handling the owner called markIdle() (which
   * could not hold then), so that it can call it again with what it keeps now that the whole chunk is
   * scanned. A server connection whose replies are written to their clients while its read is
   * handled (see ClientConn.onMsgDone) would otherwise never reuse its slab.
   */
  constructor(
    private readonly onChunk: ChunkHandler,
    private readonly slabSize = SLAB_SIZE,
    private readonly onIdleRetry: (() => void) | null = null,
  ) {}

  /** Called by Node once when reading starts and after every read callback: where to read next. */
  readonly buffer = (): Buffer => this.next;

  readonly callback = (nread: number, buf: Buffer): boolean => {
    let chunk: Buffer;
    // "Big": long enough to be worth not copying, or it filled the buffer (more is on its way).
    const big = nread >= ZERO_COPY_FROM || nread === buf.length;
    if (buf === SHARED) {
      chunk = copyOut(nread);
      if (big && slabsHeld < READ_LIMITS.maxSlabs) {
        slabsHeld++;
        this.useRegion(newSlab(this.slabSize), 0, this.slabSize);
      }
    } else {
      chunk = slice(buf, 0, nread);
      if (!big) this.release();
      else this.nextRegion(this.nextStart, this.nextStart + nread);
    }
    this.idle = false;
    this.handing = true;
    this.onChunk(chunk);
    this.handing = false;
    if (this.askedWhileHanding) {
      this.askedWhileHanding = false;
      if (this.onIdleRetry !== null) this.onIdleRetry();
    }
    return true; // pausing is socket.pause() (server connections) or ClientStream.pause(), not this value
  };

  /**
   * The owner promises that nothing it was handed so far is still referenced (every request read is
   * answered and written), except `keep` and everything handed after it (an unfinished message):
   * the rest of the slab may be read over again. Reusing one slab keeps big-value traffic in memory
   * the cache already holds, instead of a fresh slab from malloc every few requests. A `keep` that
   * is not in this socket's slab leaves everything as it is.
   */
  markIdle(keep: Buffer | null = null): void {
    if (this.handing) {
      this.askedWhileHanding = true;
      return;
    }
    if (keep === null) {
      this.idle = true;
      this.keepFrom = -1;
      return;
    }
    const slab = this.slab;
    if (slab === null || keep.buffer !== slab.buffer) return;
    this.idle = true;
    this.keepFrom = keep.byteOffset - slab.byteOffset;
  }

  /** Chunks are views of this socket's slab now: what the owner keeps of them blocks reuse (markIdle). */
  get lending(): boolean {
    return this.slab !== null;
  }

  /** Back to the shared buffer (or the socket closed): the slab is left to the views still using it. */
  release(): void {
    if (this.slab === null) return;
    this.slab = null;
    this.next = SHARED;
    slabsHeld--;
  }

  /**
   * After a read into [start, end) of the slab: read next into the rest of the current region, or,
   * when everything before this read is free (idle) but for what is kept from keepFrom on, into the
   * larger free side of the slab. A kept span is one run of the slab only when reads went on in order
   * since its first byte (keepFrom <= start); otherwise nothing is reused. A region with less than
   * MIN_SLAB_ROOM left is not read into: a fresh slab is.
   */
  private nextRegion(start: number, end: number): void {
    const slab = this.slab as Buffer;
    const from = this.keepFrom < 0 ? start : this.keepFrom;
    if (this.idle && from <= start) {
      if (this.slabSize - end >= from) {
        if (this.slabSize - end >= MIN_SLAB_ROOM) return this.useRegion(slab, end, this.slabSize);
      } else if (from >= MIN_SLAB_ROOM) return this.useRegion(slab, 0, from);
    } else if (this.nextEnd - end >= MIN_SLAB_ROOM) return this.useRegion(slab, end, this.nextEnd);
    this.useRegion(newSlab(this.slabSize), 0, this.slabSize);
  }

  private useRegion(slab: Buffer, start: number, end: number): void {
    this.slab = slab;
    this.nextStart = start;
    this.nextEnd = end;
    this.next = start === 0 && end === this.slabSize ? slab : slice(slab, start, end);
  }
}
