// Finds the end of a CRLF-terminated line in a stream of Buffer chunks that may split it anywhere,
// for both memcached scanners. A line inside one chunk is returned in place (no copy); only a line
// that spans chunks is copied, into a buffer that grows by doubling and is then handed over (never
// reused, because keys and forwarded parts are slices of it). A bare \n is not a terminator.

const CR = 13;
const LF = 10;
const EMPTY = Buffer.alloc(0);

export class LineReader {
  /** After find() succeeded: the buffer holding the line, and its content [start, end) without CRLF. */
  line: Buffer = EMPTY;
  start = 0;
  end = 0;
  /** True when `line` is a copy (the line spanned chunks); false when it is the caller's chunk. */
  copied = false;

  /** Bytes of an unfinished line carried over from earlier chunks. */
  private pending: Buffer = EMPTY;
  private pendingLen = 0;

  /** Length of the unfinished line seen so far (0 when at a line start). */
  get partialLength(): number {
    return this.pendingLen;
  }

  /** Copy up to `dst.length` leading bytes of the unfinished line into dst; returns the count. */
  peekPartial(dst: Buffer): number {
    const n = Math.min(dst.length, this.pendingLen);
    this.pending.copy(dst, 0, 0, n);
    return n;
  }

  /**
   * Look for the end of the current line in chunk[pos..]. Returns the offset just after its \n, with
   * `line/start/end/copied` set; or -1 when the chunk ends first (the tail is kept for the next call).
   */
  find(chunk: Buffer, pos: number): number {
    let from = pos;
    for (;;) {
      const nl = chunk.indexOf(LF, from);
      if (nl < 0) break;
      const prev = nl > pos ? chunk[nl - 1] : this.pendingLen > 0 ? this.pending[this.pendingLen - 1] : -1;
      if (prev === CR) {
        if (this.pendingLen === 0) {
          this.line = chunk;
          this.start = pos;
          this.end = nl - 1;
          this.copied = false;
        } else {
          this.append(chunk, pos, nl + 1);
          this.line = this.pending.subarray(0, this.pendingLen);
          this.start = 0;
          this.end = this.pendingLen - 2;
          this.copied = true;
          this.pending = EMPTY;
          this.pendingLen = 0;
        }
        return nl + 1;
      }
      from = nl + 1;
    }
    if (pos < chunk.length) this.append(chunk, pos, chunk.length);
    return -1;
  }

  /** Forget any unfinished line. */
  reset(): void {
    this.pending = EMPTY;
    this.pendingLen = 0;
    this.line = EMPTY;
  }

  private append(chunk: Buffer, from: number, to: number): void {
    const need = this.pendingLen + (to - from);
    if (need > this.pending.length) {
      const grown = Buffer.allocUnsafe(Math.max(need, this.pending.length * 2, 256));
      this.pending.copy(grown, 0, 0, this.pendingLen);
      this.pending = grown;
    }
    chunk.copy(this.pending, this.pendingLen, from, to);
    this.pendingLen = need;
  }
}
