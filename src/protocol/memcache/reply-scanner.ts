// The memcached ASCII reply scanner (ServerCodec, spec §7.3). It frames replies without knowing which
// request they answer: a value list is `VALUE <key> <flags> <bytes> [<cas>]\r\n<data>\r\n`… `END\r\n`,
// every other reply is one line (an error line may also end an unfinished value list). Replies are
// handed over as subarray slices of the received chunks; data blocks are skipped by length (never
// copied or scanned). Anything unrecognised is a protocol error.

import type { ReplySink, ServerCodec } from '../types';
import { LineReader } from './line-reader';
import { MAX_DATA_LENGTH, syntax } from './syntax';
import { slice, sliceOrWhole } from '../slice';

const CR = 13;
const LF = 10;
const SPACE = 32;
const ZERO = 48;
const NINE = 57;
/** Longest reply line accepted (a VALUE line with a 250-byte key is about 300 bytes). */
const MAX_REPLY_LINE = 8192;

/** `replyType` values reported to the core. A failure (`failure: true`) never happens in memcached. */
export const ReplyType = {
  /** `VALUE … END` or a bare `END`: the reply of get/gets/gat/gats. */
  valueList: 0,
  stored: 1,
  notStored: 2,
  exists: 3,
  notFound: 4,
  deleted: 5,
  touched: 6,
  version: 7,
  /** incr/decr result. */
  number: 8,
  error: 9,
  clientError: 10,
  serverError: 11,
} as const;

/**
 * One-line replies by their first word; `text`: ` <text>` may follow the word; `error`: the line may
 * also end an unfinished value list.
 */
const REPLY_WORDS = [
  { word: 'STORED', type: ReplyType.stored, text: false, error: false },
  { word: 'NOT_STORED', type: ReplyType.notStored, text: false, error: false },
  { word: 'EXISTS', type: ReplyType.exists, text: false, error: false },
  { word: 'NOT_FOUND', type: ReplyType.notFound, text: false, error: false },
  { word: 'DELETED', type: ReplyType.deleted, text: false, error: false },
  { word: 'TOUCHED', type: ReplyType.touched, text: false, error: false },
  { word: 'VERSION', type: ReplyType.version, text: true, error: false },
  { word: 'ERROR', type: ReplyType.error, text: true, error: true },
  { word: 'CLIENT_ERROR', type: ReplyType.clientError, text: true, error: true },
  { word: 'SERVER_ERROR', type: ReplyType.serverError, text: true, error: true },
].map((w) => ({ ...w, bytes: Buffer.from(w.word, 'latin1') }));

const VALUE = Buffer.from('VALUE', 'latin1');
const END = Buffer.from('END', 'latin1');

const State = { line: 0, data: 1, closed: 2 } as const;
type StateValue = (typeof State)[keyof typeof State];

/** classify(): the line continues a value list (no reply yet). */
const MORE = -1;
/** classify(): the line is not memcached. */
const INVALID = -2;

export class ReplyScanner implements ServerCodec {
  private state: StateValue = State.line;
  private readonly lines = new LineReader();
  /** Inside `VALUE … END`. */
  private inList = false;
  /** Bytes of the current data block (data + CRLF) not yet seen. */
  private remaining = 0;
  /** Slices of the current reply from earlier chunks, and their total length. */
  private parts: Buffer[] | null = null;
  private bytes = 0;

  feed(chunk: Buffer, sink: ReplySink): void {
    const len = chunk.length;
    let pos = 0;
    /** Where the current reply's bytes begin in this chunk. */
    let seg = 0;
    while (pos < len) {
      if (this.state === State.closed) return;
      if (this.state === State.data) {
        const r = this.remaining;
        const take = Math.min(r, len - pos);
        const after = r - take;
        if ((after < 2 && r >= 2 && chunk[pos + r - 2] !== CR) || (after === 0 && chunk[pos + r - 1] !== LF)) {
          return this.protocolError(sink, 'value data not followed by CRLF');
        }
        pos += take;
        this.remaining = after;
        if (after === 0) this.state = State.line;
        continue;
      }
      const next = this.lines.find(chunk, pos);
      if (next < 0) {
        if (this.lines.partialLength > MAX_REPLY_LINE) return this.protocolError(sink, 'reply line too long');
        break;
      }
      const L = this.lines;
      if (L.end - L.start > MAX_REPLY_LINE) return this.protocolError(sink, 'reply line too long');
      const type = this.classify(L.line, L.start, L.end);
      pos = next;
      if (type === INVALID) return this.protocolError(sink, 'unexpected reply line');
      if (type === MORE) continue;
      const last = sliceOrWhole(chunk, seg, pos);
      // Most replies are read in one piece: handed on as an array of exactly one slice.
      let parts = this.parts;
      if (parts === null) parts = [last];
      else parts.push(last);
      const bytes = this.bytes + last.length;
      this.parts = null;
      this.bytes = 0;
      seg = pos;
      sink.onReply(parts, bytes, type, false);
    }
    if (this.state !== State.closed && seg < len) {
      const rest = slice(chunk, seg, len);
      (this.parts ??= []).push(rest);
      this.bytes += rest.length;
    }
  }

  /** Slices of an unfinished reply are kept; an unfinished line is copied (LineReader). */
  get oldestHeld(): Buffer | null {
    return this.parts === null ? null : this.parts[0];
  }

  /** Reply type of a complete line, MORE inside a value list, or INVALID. */
  private classify(buf: Buffer, s: number, e: number): number {
    let w = s;
    while (w < e && buf[w] !== SPACE) w++;
    if (syntax.equals(buf, s, w, VALUE)) return this.valueLine(buf, w, e);
    if (syntax.equals(buf, s, e, END)) {
      this.inList = false;
      return ReplyType.valueList;
    }
    if (s < e && buf[s] >= ZERO && buf[s] <= NINE) {
      return !this.inList && isNumberLine(buf, s, e) ? ReplyType.number : INVALID;
    }
    for (let i = 0; i < REPLY_WORDS.length; i++) {
      const r = REPLY_WORDS[i];
      if (!syntax.equals(buf, s, w, r.bytes)) continue;
      if (w !== e && !r.text) return INVALID;
      // memcached ends a value list it cannot finish (e.g. out of memory) with an error line, no END.
      if (this.inList && !r.error) return INVALID;
      this.inList = false;
      return r.type;
    }
    return INVALID;
  }

  /** `VALUE <key> <flags> <bytes> [<cas>]` (after the word): start reading its data block. */
  private valueLine(buf: Buffer, i: number, e: number): number {
    let dataLen = -1;
    let n = 0;
    for (;;) {
      while (i < e && buf[i] === SPACE) i++;
      if (i >= e) break;
      const start = i;
      while (i < e && buf[i] !== SPACE) i++;
      n++;
      if (n === 2 && syntax.parseUint(buf, start, i, 0xffffffff) < 0) return INVALID;
      if (n === 3) dataLen = syntax.parseUint(buf, start, i, MAX_DATA_LENGTH);
      if (n === 4 && !syntax.isUint64(buf, start, i)) return INVALID;
    }
    if (n < 3 || n > 4 || dataLen < 0) return INVALID;
    this.inList = true;
    this.remaining = dataLen + 2;
    this.state = State.data;
    return MORE;
  }

  private protocolError(sink: ReplySink, reason: string): void {
    this.state = State.closed;
    this.parts = null;
    this.lines.reset();
    sink.onProtocolError(reason);
  }
}

/** incr/decr result: digits, tolerating trailing spaces (old memcached padded in-place values). */
function isNumberLine(buf: Buffer, s: number, e: number): boolean {
  let i = s;
  while (i < e && buf[i] >= ZERO && buf[i] <= NINE) i++;
  while (i < e && buf[i] === SPACE) i++;
  return i === e;
}
