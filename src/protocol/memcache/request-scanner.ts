// The memcached ASCII request scanner (ClientCodec, spec §7.1): turns a client's byte stream, cut into
// chunks anywhere, into Msgs. Command lines are tokenised in place; data blocks become subarray slices
// of the received chunks (never copied, never re-scanned). Where nutcracker closes silently, we answer:
//
//   line that can be skipped (unknown name, bad key/number)  → local reply, connection stays usable
//   storage header bad but <bytes> readable                  → local reply, data block skipped unread
//   <bytes> unreadable, data not ended by CRLF, line too long → reply, then onFramingError (close)
//   request that said `noreply` but cannot be served          → no reply (as memcached), block skipped
//
// Unsupported commands get `SERVER_ERROR unsupported command '<name>'`, unknown ones memcached's `ERROR`.

import { KeyList, Msg, MsgAction } from '../../proxy/msg';
import type { ClientCodec, ClientContext, RequestSink } from '../types';
import { CommandKind, commandTable, lookupCommand } from './command-table';
import { LineReader } from './line-reader';
import { localReplies, CLIENT_ERRORS, type ClientErrorName } from './local-replies';
import { MultiGet } from './multi-get';
import { KeyCheck, MAX_DATA_LENGTH, MAX_KEY_LENGTH, syntax } from './syntax';
import { slice, sliceOrWhole } from '../slice';

const CR = 13;
const LF = 10;
const SPACE = 32;
/** First byte of every binary-protocol request: such a client cannot read ASCII replies. */
const BINARY_MAGIC = 0x80;

/** memcached closes on a line this long without CRLF, unless it is a (possibly huge) multi-get. */
const MAX_LINE = 2048;
/** Our bound for multi-get lines (memcached has none): ~4000 keys of 250 bytes. */
const MAX_RETRIEVAL_LINE = 1 << 20;
/** Tokens remembered per line: enough for the keys of most multi-gets; later keys are found again. */
const TOKENS_KEPT = 32;
/** Only a line of at most this many tokens is looked at for a trailing `noreply`. */
const NOREPLY_MAX_TOKENS = 8;

const EMPTY = Buffer.alloc(0);
const NOREPLY = Buffer.from('noreply', 'latin1');
const ZERO = Buffer.from('0', 'latin1');
/** nutcracker routes `version` by this key. */
const PLACEHOLDER = Buffer.from('placeholder', 'latin1');
const RETRIEVAL_PREFIXES = ['get ', 'gets ', 'gat ', 'gats '].map((p) => Buffer.from(p, 'latin1'));

const State = {
  /** Reading a command line. */
  line: 0,
  /** Reading the data block of `msg`. */
  data: 1,
  /** Skipping the data block of a refused storage command. */
  skip: 2,
  /** After quit or a framing error: every further byte is ignored. */
  closed: 3,
} as const;
type StateValue = (typeof State)[keyof typeof State];

const keyErrors: Record<number, ClientErrorName> = {
  [KeyCheck.tooLong]: 'keyTooLong',
  [KeyCheck.controlChar]: 'keyControlChar',
};

export class RequestScanner implements ClientCodec {
  private state: StateValue = State.line;
  private readonly lines = new LineReader();
  private readonly maxKey: number;
  /** Start and end offsets of the current line's first TOKENS_KEPT tokens. */
  private readonly ts = new Int32Array(TOKENS_KEPT);
  private readonly te = new Int32Array(TOKENS_KEPT);
  /** The storage request whose data block is being read. */
  private msg: Msg | null = null;
  /** Bytes of the current data block (data + CRLF) not yet seen. */
  private remaining = 0;
  private readonly peek = Buffer.alloc(16);
  /** The current line has a NUL or LF byte (set by tokenize). */
  private lineHasNulOrLf = false;
  /** The chunk holding the current line and its offsets there (valid only during onLine). */
  private lineChunk: Buffer = EMPTY;
  private linePos = 0;
  private lineNext = 0;

  constructor(ctx?: Pick<ClientContext, 'maxKeyLength'>) {
    const limit = ctx?.maxKeyLength ?? 0;
    this.maxKey = limit > 0 ? Math.min(limit, MAX_KEY_LENGTH) : MAX_KEY_LENGTH;
  }

  feed(chunk: Buffer, sink: RequestSink): void {
    const len = chunk.length;
    let pos = 0;
    /** Where the bytes of `msg` not yet pushed as a part begin in this chunk. */
    let seg = 0;
    while (pos < len) {
      const state = this.state;
      if (state === State.closed) return;
      if (state !== State.line) {
        const r = this.remaining;
        const take = Math.min(r, len - pos);
        const after = r - take;
        // The block's last two bytes must be CRLF: check them if they are in this slice.
        if ((after < 2 && r >= 2 && chunk[pos + r - 2] !== CR) || (after === 0 && chunk[pos + r - 1] !== LF)) {
          this.framingError(sink, localReplies.clientError('badDataChunk'), CLIENT_ERRORS.badDataChunk);
          return;
        }
        pos += take;
        this.remaining = after;
        if (after === 0) {
          this.state = State.line;
          const msg = this.msg;
          if (state === State.data && msg !== null) {
            msg.pushPart(sliceOrWhole(chunk, seg, pos));
            this.msg = null;
            sink.onRequest(msg);
          }
        }
        continue;
      }
      if (this.lines.partialLength === 0 && chunk[pos] === BINARY_MAGIC) {
        this.framingError(sink, null, 'binary protocol is not supported');
        return;
      }
      const next = this.lines.find(chunk, pos);
      if (next < 0) {
        if (this.lines.partialLength > MAX_LINE && this.partialTooLong()) {
          this.framingError(sink, localReplies.clientError('lineTooLong'), CLIENT_ERRORS.lineTooLong);
        }
        return;
      }
      const L = this.lines;
      const lineLen = L.end - L.start;
      if (lineLen > MAX_LINE && (lineLen > MAX_RETRIEVAL_LINE || !isRetrievalLine(L.line, L.start, L.end))) {
        this.framingError(sink, localReplies.clientError('lineTooLong'), CLIENT_ERRORS.lineTooLong);
        return;
      }
      this.lineChunk = chunk;
      this.linePos = pos;
      this.lineNext = next;
      this.onLine(sink);
      this.lineChunk = EMPTY;
      // A storage request's parts continue with its data block, right after the line.
      seg = L.copied ? next : pos;
      pos = next;
    }
    if (this.state === State.data && this.msg !== null && seg < len) this.msg.pushPart(slice(chunk, seg, len));
  }

  /** Only a data block in progress is kept as views; an unfinished line is copied (LineReader). */
  get holdsInput(): boolean {
    return this.state === State.data;
  }

  /** An unfinished line over MAX_LINE: too long unless it is a multi-get under its own bound. */
  private partialTooLong(): boolean {
    const n = this.lines.peekPartial(this.peek);
    return this.lines.partialLength > MAX_RETRIEVAL_LINE || !isRetrievalLine(this.peek, 0, n);
  }

  /** The current line's bytes with CRLF, as forwarded (made only for requests that need it). */
  private wire(): Buffer {
    return this.lines.copied ? this.lines.line : sliceOrWhole(this.lineChunk, this.linePos, this.lineNext);
  }

  /** A complete line: in lines.line[start, end), which is lineChunk unless the line was copied. */
  private onLine(sink: RequestSink): void {
    const L = this.lines;
    const buf = L.line;
    const n = this.tokenize(buf, L.start, L.end);
    if (n === 0) return this.local(sink, localReplies.unknownCommand, -1);
    const cmd = lookupCommand(buf, this.ts[0], this.te[0]);
    if (cmd < 0) return this.local(sink, localReplies.unknownCommand, -1);
    switch (commandTable[cmd].kind) {
      case CommandKind.retrieval:
        return this.retrieval(buf, n, cmd, 1, sink);
      case CommandKind.getAndTouch:
        if (n >= 2 && !syntax.isInt64(buf, this.ts[1], this.te[1])) return this.refuse(sink, 'badExptime', cmd, false);
        return this.retrieval(buf, n, cmd, 2, sink);
      case CommandKind.storage:
        return this.storage(buf, n, cmd, 5, sink);
      case CommandKind.cas:
        return this.storage(buf, n, cmd, 6, sink);
      case CommandKind.arithmetic:
        return this.keyAndArgument(buf, n, cmd, sink, 'badDelta');
      case CommandKind.touch:
        return this.keyAndArgument(buf, n, cmd, sink, 'badExptime');
      case CommandKind.delete:
        return this.delete(buf, n, cmd, sink);
      case CommandKind.version: {
        if (n !== 1) return this.refuse(sink, 'badFormat', cmd, false);
        return this.forward(sink, cmd, PLACEHOLDER, 0, PLACEHOLDER.length, false);
      }
      case CommandKind.quit: {
        if (n !== 1) return this.refuse(sink, 'badFormat', cmd, false);
        const msg = new Msg();
        msg.action = MsgAction.quit;
        msg.cmd = cmd;
        this.state = State.closed;
        return sink.onRequest(msg);
      }
      case CommandKind.unsupportedWithData: {
        // `ms <key> <datalen> ...`: skip the data so it is not read as commands.
        const dataLen = n >= 3 ? syntax.parseUint(buf, this.ts[2], this.te[2], MAX_DATA_LENGTH) : -1;
        if (dataLen < 0) return this.framingError(sink, localReplies.unsupported(cmd), 'unsupported command');
        this.local(sink, localReplies.unsupported(cmd), cmd);
        return this.skip(dataLen);
      }
      default:
        // A client that said noreply would read our error as the reply to its next request, and
        // silently dropping e.g. `flush_all noreply` would hide that nothing happened: close instead.
        if (this.saysNoreply(buf, n)) return this.framingError(sink, localReplies.unsupported(cmd), 'unsupported command');
        return this.local(sink, localReplies.unsupported(cmd), cmd);
    }
  }

  /** get/gets/gat/gats: keys from token `first` on; one key is forwarded, more are split. */
  private retrieval(buf: Buffer, n: number, cmd: number, first: number, sink: RequestSink): void {
    const nkeys = n - first;
    if (nkeys < 1) return this.refuse(sink, 'badFormat', cmd, false);
    const keys = nkeys > 1 ? new KeyList(nkeys) : null;
    const e = this.lines.end;
    let i = this.te[first - 1];
    let start = i;
    for (let t = first; t < n; t++) {
      if (t < TOKENS_KEPT) {
        start = this.ts[t];
        i = this.te[t];
      } else {
        while (buf[i] === SPACE) i++;
        start = i;
        while (i < e && buf[i] !== SPACE) i++;
      }
      // Keys are read byte by byte only when the line has a byte no key may hold (tokenize saw it).
      if (this.lineHasNulOrLf || i - start > this.maxKey) {
        const check = syntax.checkKey(buf, start, i, this.maxKey);
        if (check !== KeyCheck.ok) return this.refuse(sink, keyErrors[check], cmd, false);
      }
      if (keys !== null) keys.push(buf, start, i);
    }
    if (keys === null) return this.forward(sink, cmd, buf, start, i, false);
    const msg = new Msg();
    msg.action = MsgAction.split;
    msg.cmd = cmd;
    msg.keys = keys;
    msg.proto = new MultiGet(cmd, first === 2 ? slice(buf, this.ts[1], this.te[1]) : null);
    msg.pushPart(this.wire());
    sink.onRequest(msg);
  }

  /** set/add/replace/append/prepend (`base` 5 tokens) and cas (6), each with an optional noreply. */
  private storage(buf: Buffer, n: number, cmd: number, base: number, sink: RequestSink): void {
    const ts = this.ts;
    const te = this.te;
    const dataLen = n >= 5 ? syntax.parseUint(buf, ts[4], te[4], MAX_DATA_LENGTH) : -1;
    // Without a readable <bytes> nobody knows where the data block ends.
    if (dataLen < 0) return this.framingError(sink, localReplies.clientError('badFormat'), CLIENT_ERRORS.badFormat);
    const noreply = n === base + 1 && syntax.equals(buf, ts[base], te[base], NOREPLY);
    let err: ClientErrorName | null = null;
    if (n !== base && !noreply) err = 'badFormat';
    else {
      const check = syntax.checkKey(buf, ts[1], te[1], this.maxKey);
      if (check !== KeyCheck.ok) err = keyErrors[check];
      else if (syntax.parseUint(buf, ts[2], te[2], 0xffffffff) < 0) err = 'badFormat';
      else if (!syntax.isInt64(buf, ts[3], te[3])) err = 'badFormat';
      else if (base === 6 && !syntax.isUint64(buf, ts[5], te[5])) err = 'badFormat';
    }
    if (err !== null) {
      this.refuse(sink, err, cmd, this.saysNoreply(buf, n));
      return this.skip(dataLen);
    }
    const msg = new Msg();
    msg.cmd = cmd;
    msg.setKey(buf, ts[1], te[1]);
    msg.noreply = noreply;
    // A line in place is pushed together with its data block (one slice); a copied one on its own.
    if (this.lines.copied) msg.pushPart(this.lines.line);
    this.msg = msg;
    this.remaining = dataLen + 2;
    this.state = State.data;
  }

  /** incr/decr `<key> <delta>` and touch `<key> <exptime>`, each with an optional noreply. */
  private keyAndArgument(buf: Buffer, n: number, cmd: number, sink: RequestSink, argErr: ClientErrorName): void {
    const noreply = n === 4 && syntax.equals(buf, this.ts[3], this.te[3], NOREPLY);
    const quiet = this.saysNoreply(buf, n);
    if (n !== 3 && !noreply) return this.refuse(sink, 'badFormat', cmd, quiet);
    const check = syntax.checkKey(buf, this.ts[1], this.te[1], this.maxKey);
    if (check !== KeyCheck.ok) return this.refuse(sink, keyErrors[check], cmd, quiet);
    const argOk =
      argErr === 'badDelta' ? syntax.isUint64(buf, this.ts[2], this.te[2]) : syntax.isInt64(buf, this.ts[2], this.te[2]);
    if (!argOk) return this.refuse(sink, argErr, cmd, quiet);
    this.forward(sink, cmd, buf, this.ts[1], this.te[1], noreply);
  }

  /** `delete <key> [0] [noreply]`: memcached still accepts a legacy hold time if it is 0. */
  private delete(buf: Buffer, n: number, cmd: number, sink: RequestSink): void {
    const ts = this.ts;
    const te = this.te;
    const last = n - 1;
    const noreply = n >= 3 && n <= 4 && syntax.equals(buf, ts[last], te[last], NOREPLY);
    const hold = n - (noreply ? 1 : 0) === 3;
    const ok = n >= 2 && n <= 4 && n - (noreply ? 1 : 0) - (hold ? 1 : 0) === 2 && (!hold || syntax.equals(buf, ts[2], te[2], ZERO));
    if (!ok) return this.refuse(sink, 'badFormat', cmd, this.saysNoreply(buf, n));
    const check = syntax.checkKey(buf, ts[1], te[1], this.maxKey);
    if (check !== KeyCheck.ok) return this.refuse(sink, keyErrors[check], cmd, noreply);
    this.forward(sink, cmd, buf, ts[1], te[1], noreply);
  }

  /** Forward the request whose key is keyIn[keyStart, keyEnd). */
  private forward(sink: RequestSink, cmd: number, keyIn: Buffer, keyStart: number, keyEnd: number, noreply: boolean): void {
    const msg = new Msg();
    msg.cmd = cmd;
    msg.setKey(keyIn, keyStart, keyEnd);
    msg.noreply = noreply;
    msg.pushPart(this.wire());
    sink.onRequest(msg);
  }

  private local(sink: RequestSink, reply: Buffer, cmd: number): void {
    const msg = new Msg();
    msg.action = MsgAction.local;
    msg.cmd = cmd;
    msg.setReply(reply);
    sink.onRequest(msg);
  }

  /** A request we will not forward: `CLIENT_ERROR <reason>`, or nothing if the client said noreply. */
  private refuse(sink: RequestSink, err: ClientErrorName, cmd: number, quiet: boolean): void {
    if (!quiet) this.local(sink, localReplies.clientError(err), cmd);
  }

  private skip(dataLen: number): void {
    this.remaining = dataLen + 2;
    this.state = State.skip;
  }

  private framingError(sink: RequestSink, reply: Buffer | null, reason: string): void {
    this.state = State.closed;
    this.msg = null;
    this.lines.reset();
    sink.onFramingError(reply, reason);
  }

  /** The line's last token is `noreply` (only looked at in lines of at most NOREPLY_MAX_TOKENS tokens). */
  private saysNoreply(buf: Buffer, n: number): boolean {
    return n >= 2 && n <= NOREPLY_MAX_TOKENS && syntax.equals(buf, this.ts[n - 1], this.te[n - 1], NOREPLY);
  }

  /**
   * Split buf[s, e) at runs of spaces; remembers the first TOKENS_KEPT tokens, returns the count, and
   * notes whether the line holds a byte no key may have (lineHasNulOrLf).
   */
  private tokenize(buf: Buffer, s: number, e: number): number {
    let n = 0;
    let i = s;
    let nulOrLf = false;
    for (;;) {
      while (i < e && buf[i] === SPACE) i++;
      if (i >= e) break;
      const start = i;
      for (; i < e; i++) {
        const c = buf[i];
        // One comparison per byte in the usual case: every byte that ends a token or may not be in a
        // key is at most a space.
        if (c <= SPACE) {
          if (c === SPACE) break;
          if (c === 0x00 || c === LF) nulOrLf = true;
        }
      }
      if (n < TOKENS_KEPT) {
        this.ts[n] = start;
        this.te[n] = i;
      }
      n++;
    }
    this.lineHasNulOrLf = nulOrLf;
    return n;
  }
}

/** The line starts (after spaces) with a retrieval command and a space: long lines are allowed. */
function isRetrievalLine(buf: Buffer, s: number, e: number): boolean {
  let i = s;
  while (i < e && buf[i] === SPACE) i++;
  for (const p of RETRIEVAL_PREFIXES) if (syntax.startsWith(buf, i, e, p)) return true;
  return false;
}
