// Assembling a merged reply (Redis MGET, memcached multi-get) from byte ranges of the fragments'
// replies, in the client's order. Ranges shorter than SLICE_FROM are copied into one buffer — ranges
// that follow each other in one sub-reply as one copy — and longer ones (big values) are passed on
// as slices, never copied. So a merged reply of many small values is one buffer however many keys it
// has (a slice per value would be an object per key, copied together again when written), and one
// with big values is a slice per big value plus views of one buffer for everything in between.

import { copyRange } from './copy-range';
import { allocSmall, slice } from './slice';

/**
 * Ranges at least this long are passed on as slices. The same bound as write-batch.ts's BIG_PART:
 * a shorter part would be copied into the write's buffer anyway, a longer one costs more to copy
 * than the slice and its iovec.
 */
export const SLICE_FROM = 4096;

const EMPTY = Buffer.alloc(0);

/**
 * The ranges of one merged reply, in order: range i is sources[src[i]][starts[i], ends[i]). A range
 * names its source by index (the sources are the few sub-replies) so that filling it stores numbers
 * only: a Buffer stored into this long-lived scratch would cost a write barrier per key. One
 * instance is shared by the merges (the data path runs one merge at a time); assemble() drops its
 * references to the sources.
 */
export class Ranges {
  readonly sources: Buffer[] = [];
  src = new Int32Array(64);
  starts = new Int32Array(64);
  ends = new Int32Array(64);

  /** Room for n ranges. */
  reserve(n: number): void {
    if (this.starts.length >= n) return;
    this.src = new Int32Array(n * 2);
    this.starts = new Int32Array(n * 2);
    this.ends = new Int32Array(n * 2);
  }

  /** Range i is sources[source][start, end). */
  set(i: number, source: number, start: number, end: number): void {
    this.src[i] = source;
    this.starts[i] = start;
    this.ends[i] = end;
  }

  /** Forget the sources (a loop: fill() and `length = 0` are runtime calls). */
  drop(): void {
    for (let i = 0; i < this.sources.length; i++) this.sources[i] = EMPTY;
  }
}

export const mergeRanges = new Ranges();

/**
 * The parts of a reply made of head[0, headLen), ranges 0..n-1 of `r`, then `tail` (if any). Drops
 * r's references to the sub-replies. The caller knows the total length (it added the ranges up).
 */
export function assemble(r: Ranges, n: number, head: Buffer, headLen: number, tail: Buffer | null): Buffer[] {
  const { sources, src, starts, ends } = r;
  let copied = headLen + (tail === null ? 0 : tail.length);
  let big = 0;
  for (let i = 0; i < n; i++) {
    const len = ends[i] - starts[i];
    if (len >= SLICE_FROM) big++;
    else copied += len;
  }
  const out = allocSmall(copied);
  let p = copyRange(head, 0, headLen, out, 0);
  const parts: Buffer[] = big === 0 ? [out] : [];
  let from = 0; // start of the bytes in `out` not yet handed out as a part (only with big ranges)
  for (let i = 0; i < n; ) {
    const s = src[i];
    const b = starts[i];
    let e = ends[i++];
    if (e - b >= SLICE_FROM) {
      if (p > from) parts.push(slice(out, from, p));
      from = p;
      parts.push(slice(sources[s], b, e));
      continue;
    }
    while (i < n && src[i] === s && starts[i] === e && ends[i] - e < SLICE_FROM) e = ends[i++];
    p = copyRange(sources[s], b, e, out, p);
  }
  if (tail !== null) p = copyRange(tail, 0, tail.length, out, p);
  if (big > 0 && p > from) parts.push(from === 0 ? out : slice(out, from, p));
  r.drop();
  return parts;
}
