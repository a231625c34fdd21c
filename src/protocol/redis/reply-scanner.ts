// The server-side RESP2 reply scanner (spec §6.6): + - : $ * including $-1, *-1 and arrays nested
// to any depth, resumable at any byte. A reply's parts are slices of the received chunks (never
// copied); bulk data is skipped by length, never scanned. -OOM, -BUSY and -LOADING are flagged as
// server failures; anything malformed is a protocol error, after which the scanner stays silent.

import type { ReplySink, ServerCodec } from '../types';
import { slice, sliceOrWhole } from '../slice';

/** Reply types reported to the core (Msg.replyType). */
export const ReplyType = {
  status: 0,
  error: 1,
  integer: 2,
  bulk: 3,
  array: 4,
} as const;

const S = {
  /** Expecting a type byte (top level or array element). */
  type: 0,
  /** Inside a +status / -error line, looking for CR. */
  line: 1,
  /** After `:`, digits. */
  integer: 2,
  /** After `$` or `*`, the length. */
  length: 3,
  /** Expecting LF after a header CR. */
  lf: 4,
  /** Inside bulk data. */
  data: 5,
  /** Expecting CR then LF after bulk data. */
  dataCr: 6,
  dataLf: 7,
  /** Broken: ignore everything. */
  dead: 8,
} as const;

/** Longest bulk a server may send (Redis's proto-max-bulk-len upper bound). */
const MAX_BULK = 512 * 1024 * 1024;
/** Error words that mean the server itself is failing (spec §6.6). */
const FAILURE_WORDS = ['OOM', 'BUSY', 'LOADING'].map((w) => Buffer.from(w, 'latin1'));
const WORD_MAX = 8;

export class RedisReplyScanner implements ServerCodec {
  private state: number = S.type;
  private parts: Buffer[] = [];
  private bytes = 0;
  /** Type of the top-level reply being scanned. */
  private top = -1;
  /** Elements still expected at each open array level (depth = stack length in use). */
  private stack: number[] = [];
  private depth = 0;
  /** Numeric field being parsed (length or integer) and its sign/digit count. */
  private num = 0;
  private digits = 0;
  private neg = false;
  /** `$` or `*` for the length being parsed. */
  private lenOf = 0;
  private left = 0;
  /** First word of a top-level error reply, to classify it. */
  private readonly word = Buffer.alloc(WORD_MAX);
  private wordLen = 0;
  private wordDone = false;

  feed(chunk: Buffer, sink: ReplySink): void {
    if (this.state === S.dead) return;
    const end = chunk.length;
    let pos = 0;
    let start = 0; // first byte of the current reply in this chunk
    while (pos < end) {
      const c = chunk[pos];
      switch (this.state) {
        case S.type:
          if (this.depth === 0) {
            start = pos;
            this.top = -1;
          }
          pos++;
          if (c === 43 || c === 45) {
            if (this.depth === 0) this.top = c === 43 ? ReplyType.status : ReplyType.error;
            this.lenOf = 0;
            this.wordLen = 0;
            this.wordDone = c === 43 || this.depth > 0;
            this.state = S.line;
          } else if (c === 58 || c === 36 || c === 42) {
            if (this.depth === 0) this.top = c === 58 ? ReplyType.integer : c === 36 ? ReplyType.bulk : ReplyType.array;
            this.num = 0;
            this.digits = 0;
            this.neg = false;
            this.lenOf = c;
            this.state = c === 58 ? S.integer : S.length;
          } else return this.fail(sink, `unexpected reply type byte 0x${c.toString(16)}`);
          break;
        case S.line: {
          // Status and error text: scan for CR, remembering an error's first word.
          let p = pos;
          while (p < end && chunk[p] !== 13) {
            if (!this.wordDone) {
              const b = chunk[p];
              if (b === 32 || this.wordLen === WORD_MAX) this.wordDone = true;
              else this.word[this.wordLen++] = b;
            }
            if (chunk[p] === 10) return this.fail(sink, 'bare LF in a status line');
            p++;
          }
          pos = p;
          if (p < end) {
            pos++;
            this.state = S.lf;
          }
          break;
        }
        case S.integer:
        case S.length:
          pos++;
          if (c >= 48 && c <= 57) {
            this.num = this.num * 10 + (c - 48);
            if (++this.digits > 18) return this.fail(sink, 'number too long');
          } else if (c === 45 && this.digits === 0 && !this.neg) {
            this.neg = true;
          } else if (c === 13 && this.digits > 0) {
            this.state = S.lf;
          } else return this.fail(sink, 'bad number');
          break;
        case S.lf:
          pos++;
          if (c !== 10) return this.fail(sink, 'expected LF after CR');
          if (this.lenOf === 36) {
            this.lenOf = 0;
            if (this.neg) {
              if (this.num !== 1) return this.fail(sink, 'bad bulk length');
            } else {
              if (this.num > MAX_BULK) return this.fail(sink, 'bulk too long');
              this.left = this.num;
              this.state = S.data;
              break;
            }
          } else if (this.lenOf === 42) {
            this.lenOf = 0;
            if (this.neg && this.num !== 1) return this.fail(sink, 'bad array length');
            if (!this.neg && this.num > 0) {
              this.stack[this.depth++] = this.num;
              this.state = S.type;
              break;
            }
          }
          this.lenOf = 0;
          if (this.elementDone(chunk, start, pos, sink)) start = pos;
          break;
        case S.data: {
          const n = Math.min(this.left, end - pos);
          pos += n;
          this.left -= n;
          if (this.left === 0) this.state = S.dataCr;
          break;
        }
        case S.dataCr:
          pos++;
          if (c !== 13) return this.fail(sink, 'bulk not followed by CRLF');
          this.state = S.dataLf;
          break;
        case S.dataLf:
          pos++;
          if (c !== 10) return this.fail(sink, 'bulk not followed by CRLF');
          if (this.elementDone(chunk, start, pos, sink)) start = pos;
          break;
        default:
          return;
      }
      if (this.state === S.dead) return;
    }
    if (this.top !== -1 && start < end) {
      this.parts.push(slice(chunk, start, end));
      this.bytes += end - start;
    }
  }

  get oldestHeld(): Buffer | null {
    return this.parts.length > 0 ? this.parts[0] : null;
  }

  /** An element ended at pos; returns true when that completed a top-level reply (emitted). */
  private elementDone(chunk: Buffer, start: number, pos: number, sink: ReplySink): boolean {
    this.state = S.type;
    while (this.depth > 0) {
      if (--this.stack[this.depth - 1] > 0) return false;
      this.depth--;
    }
    // Most replies are read in one piece: handed on as an array of exactly one slice.
    let parts = this.parts;
    if (parts.length === 0) parts = [sliceOrWhole(chunk, start, pos)];
    else {
      parts.push(slice(chunk, start, pos));
      this.parts = [];
    }
    const bytes = this.bytes + pos - start;
    const type = this.top;
    const failure = type === ReplyType.error && this.isFailureWord();
    this.bytes = 0;
    this.top = -1;
    sink.onReply(parts, bytes, type, failure);
    return true;
  }

  private isFailureWord(): boolean {
    for (const w of FAILURE_WORDS) {
      if (w.length !== this.wordLen) continue;
      let i = 0;
      while (i < w.length && w[i] === this.word[i]) i++;
      if (i === w.length) return true;
    }
    return false;
  }

  private fail(sink: ReplySink, reason: string): void {
    this.state = S.dead;
    this.parts = [];
    sink.onProtocolError(`redis reply: ${reason}`);
  }
}
