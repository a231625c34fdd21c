// Views into received chunks — keys, request parts, reply parts — made on the data path several times
// per request. `Buffer#subarray` costs about 150 ns a view: it reads the chunk's `buffer` and
// `byteOffset` through V8 runtime getters each time. `slice` reads them once per chunk and builds the
// view directly, about a third of the cost. The views are Buffers in every way that matters
// (Buffer.isBuffer, instanceof, every Buffer method, socket writes), as Node's own FastBuffer is: a
// Uint8Array subclass whose prototype chain runs through Buffer.prototype. allocSmall() makes new
// small buffers the same way, from a pool of our own.

class BufferView extends Uint8Array {}
Object.setPrototypeOf(BufferView.prototype, Buffer.prototype);
// As FastBuffer: the views print and compare as `Buffer`.
Object.defineProperty(BufferView.prototype, 'constructor', { value: Buffer, writable: true, configurable: true });

/** The chunk whose backing store was looked up last: views are usually taken from one chunk in a row. */
let lastChunk: Uint8Array | null = null;
let lastStore = new ArrayBuffer(0);
let lastBase = 0;

/** chunk[start, end) as a Buffer sharing chunk's memory, like chunk.subarray(start, end) with valid bounds. */
export function slice(chunk: Buffer, start: number, end: number): Buffer {
  if (chunk !== lastChunk) {
    lastChunk = chunk;
    lastStore = chunk.buffer as ArrayBuffer; // Buffers never sit on a SharedArrayBuffer here
    lastBase = chunk.byteOffset;
  }
  return new BufferView(lastStore, lastBase + start, end - start) as unknown as Buffer;
}

/**
 * chunk[start, end), or chunk itself when that is all of it: an unpipelined request or a lone reply
 * usually fills its read, and then no view needs to be made for it.
 */
export function sliceOrWhole(chunk: Buffer, start: number, end: number): Buffer {
  return start === 0 && end === chunk.length ? chunk : slice(chunk, start, end);
}

/**
 * Bytes a small buffer from allocSmall() may keep alive, like Node's `Buffer.poolSize`: slices of
 * one pool share its memory, which is freed once none of them is referenced.
 */
const POOL_SIZE = 8 * 1024;
let pool = new ArrayBuffer(0);
let poolUsed = POOL_SIZE; // empty until the first call fills it

/**
 * An uninitialised Buffer of n bytes, like Buffer.allocUnsafe(n), at about a third of its cost for
 * small sizes (no argument validation, and a view like slice() makes instead of a FastBuffer). Made
 * several times per request: every read copied out of the shared read buffer, every fragment of a
 * multi-key request, every merged reply.
 */
export function allocSmall(n: number): Buffer {
  if (n >= POOL_SIZE >>> 1) return Buffer.allocUnsafe(n);
  if (n > POOL_SIZE - poolUsed) {
    pool = Buffer.allocUnsafeSlow(POOL_SIZE).buffer as ArrayBuffer; // its own store: byteOffset 0, not zeroed
    poolUsed = 0;
  }
  const b = new BufferView(pool, poolUsed, n) as unknown as Buffer;
  poolUsed += (n + 7) & ~7; // 8-byte aligned, as Node's pool
  return b;
}
