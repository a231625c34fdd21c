// The client-side request scanner (spec §6.1, §3.5): RESP arrays of bulk strings and inline lines,
// resumable at any byte with explicit numeric state. A request's parts are slices of the received
// chunks; bulk data is skipped by length. Only what routing or a local answer needs is kept: the
// command name (copied, ≤128 bytes), keys (slices, copied only when split across chunks, bounded by
// maxKeyLength), MSET values as slices, and the arguments of locally answered commands.
//
//   idle ─'*'─▶ argc ─CRLF─▶ ┌▶ bulk ─'$'─▶ bulkLen ─CRLF─▶ data ─CRLF─┐ (argi < argc)
//    │                        └────────────────────────────────────────┘
//    └─other─▶ inline ─LF─▶ split like redis-cli ─▶ rescanned as RESP

import { KeyList, Msg, MsgAction } from '../../proxy/msg';
import type { ClientCodec, ClientContext, RequestSink } from '../types';
import {
  CMD_CLASS, CMD_MAX_ARGC, CMD_MIN_ARGC, CommandClass, MAX_COMMAND_NAME, commandIndex, commandName, lookupCommand,
} from './commands';
import { InlineLineReader, splitInline, toResp } from './inline';
import { RedisSession, allowedUnauthenticated, answerCommandSubcommand, answerLocal } from './local-commands';
import { REPLIES, arityError, errorReply, unsupportedCommand } from './replies';
import { MsetValues } from './split';
import { copyRange } from '../copy-range';
import { allocSmall, slice, sliceOrWhole } from '../slice';

const S = {
  idle: 0, inline: 1, argc: 2, argcLf: 3, bulk: 4, bulkLen: 5, bulkLenLf: 6, data: 7, dataCr: 8, dataLf: 9, dead: 10,
} as const;

/** What is kept of the argument being read. */
const Cap = { none: 0, name: 1, key: 2, arg: 3, value: 4 } as const;

/** Which arguments a request keeps, decided once its command name is known. */
const Mode = { skip: 0, firstKey: 1, keys: 2, pairs: 3, eval: 4, local: 5, command: 6 } as const;

/** Why a well-framed request is answered with an error instead of being run. */
const Verdict = { ok: 0, unsupported: 1, arity: 2, noauth: 3 } as const;

/** EVAL numkeys that did not parse as a non-negative integer. */
const NumKeys = { notInteger: -1, negative: -2 } as const;

const MAX_ARGC = 2147483647; // Redis: INT_MAX
const MAX_BULK = 512 * 1024 * 1024; // Redis's proto-max-bulk-len default
// Before AUTH, Redis refuses big requests outright so an unauthenticated peer cannot make it buffer
// much; so do we.
const UNAUTH_MAX_ARGC = 10;
const UNAUTH_MAX_BULK = 16384;
/** Bytes of the command name kept (for lookup and the "unsupported command" message). */
const NAME_KEEP = 128;
/** Longest EVAL numkeys / COMMAND subcommand argument worth keeping. */
const SMALL_ARG = 20;

/** Keyless commands are routed as if their key were this (nutcracker's choice, spec §6.2). */
const PLACEHOLDER = Buffer.from('placeholder');
const EMPTY = Buffer.alloc(0);
/** The lowercased command name, for lookup only within identify(): one for every connection. */
const LOWER = Buffer.alloc(MAX_COMMAND_NAME);
const COMMAND = commandIndex('command');

function printable(c: number): string {
  return c > 32 && c < 127 ? String.fromCharCode(c) : `\\x${c.toString(16).padStart(2, '0')}`;
}

/** Bytes that cannot start a request: neither `*` nor the start of a plausible inline line. */
function isGarbageStart(c: number): boolean {
  return c < 9 || (c > 13 && c < 32) || c > 126 || c === 36;
}

export class RedisRequestScanner implements ClientCodec {
  readonly session: RedisSession;
  private readonly maxKey: number;
  private state: number = S.idle;
  private msg: Msg | null = null;
  private num = 0;
  private digits = 0;
  private neg = false;
  private argc = 0;
  private argi = 0;
  private argLen = 0;
  private left = 0;
  private cap: number = Cap.none;
  private capSlices: Buffer[] = [];
  private cmd = -1;
  private mode: number = Mode.skip;
  private verdict: number = Verdict.ok;
  /** The command name as read so far (it may span reads). From a shared pool: cheap per connection. */
  private readonly nameBuf = allocSmall(NAME_KEEP);
  private nameLen = 0;
  /** Declared length of the command name (may exceed what was kept). */
  private nameFull = 0;
  /** The single key: key[keyStart, keyEnd) (see Msg.keyIn). */
  private key: Buffer | null = null;
  private keyStart = 0;
  private keyEnd = 0;
  /** The key being read lies whole in this chunk, from keyAt: kept without a view (capture). */
  private keyChunk: Buffer | null = null;
  private keyAt = 0;
  private keys: KeyList | null = null;
  private args: Buffer[] | null = null;
  private values: MsetValues | null = null;
  private numkeys = 0;
  private sub: Buffer | null = null;
  private readonly inline = new InlineLineReader();

  constructor(ctx: ClientContext) {
    this.session = new RedisSession(ctx);
    this.maxKey = ctx.maxKeyLength;
  }

  feed(chunk: Buffer, sink: RequestSink): void {
    if (this.state !== S.dead) this.scan(chunk, sink);
  }

  get holdsInput(): boolean {
    return this.state !== S.idle && this.state !== S.dead;
  }

  private scan(chunk: Buffer, sink: RequestSink): void {
    const end = chunk.length;
    let pos = 0;
    let start = 0; // first byte of the current request in this chunk
    while (pos < end) {
      const c = chunk[pos];
      switch (this.state) {
        case S.idle:
          if (c === 42) {
            start = pos++;
            this.msg = new Msg();
            this.startNumber(S.argc);
          } else if (isGarbageStart(c)) {
            return this.framing(sink, `invalid request start byte '${printable(c)}'`);
          } else {
            this.state = S.inline;
          }
          break;
        case S.inline: {
          const reader = this.inline;
          pos = reader.read(chunk, pos);
          if (reader.tooBig) return this.framing(sink, 'too big inline request');
          if (!reader.done) break;
          this.state = S.idle;
          const args = splitInline(reader.line);
          if (args === null) return this.framing(sink, 'unbalanced quotes in request');
          if (args.length > 0) this.scan(toResp(args), sink); // one complete request: back to idle
          break;
        }
        case S.argc:
        case S.bulkLen: {
          // Digits in a tight loop: most lengths are read without going back through the switch.
          let num = this.num;
          let digits = this.digits;
          let b = c;
          while (b >= 48 && b <= 57) {
            num = num * 10 + (b - 48);
            digits++;
            if (++pos === end) break;
            b = chunk[pos];
          }
          this.num = num;
          this.digits = digits;
          if (digits > 10) return this.badLength(sink);
          if (pos === end) break;
          pos++;
          if (b === 13 && digits > 0) {
            this.state++; // argcLf / bulkLenLf
          } else if (b === 45 && digits === 0 && !this.neg && this.state === S.argc) {
            this.neg = true;
          } else return this.badLength(sink);
          break;
        }
        case S.argcLf:
          pos++;
          if (c !== 10) return this.badLength(sink);
          if (this.neg || this.num === 0) {
            // `*0` and `*-1` are ignored, as Redis does.
            this.msg = null;
            this.state = S.idle;
            start = pos;
            break;
          }
          if (this.num > MAX_ARGC) return this.badLength(sink);
          if (this.num > UNAUTH_MAX_ARGC && this.session.needsAuth) return this.framing(sink, 'unauthenticated multibulk length');
          this.argc = this.num;
          this.argi = 0;
          this.state = S.bulk;
          break;
        case S.bulk:
          pos++;
          if (c !== 36) return this.framing(sink, `expected '$', got '${printable(c)}'`);
          this.startNumber(S.bulkLen);
          break;
        case S.bulkLenLf:
          pos++;
          if (c !== 10 || this.num > MAX_BULK) return this.badLength(sink);
          if (this.num > UNAUTH_MAX_BULK && this.session.needsAuth) return this.framing(sink, 'unauthenticated bulk length');
          if (!this.beginArg(this.num, sink)) return;
          break;
        case S.data: {
          const n = this.left < end - pos ? this.left : end - pos;
          if (n > 0 && this.cap !== Cap.none) this.capture(chunk, pos, n);
          pos += n;
          this.left -= n;
          if (this.left > 0) break;
          if (pos + 1 < end && chunk[pos] === 13 && chunk[pos + 1] === 10) {
            pos += 2; // the common case: the CRLF is right there
            if (this.argDone(chunk, start, pos, sink)) start = pos;
          } else this.state = S.dataCr;
          break;
        }
        case S.dataCr:
          pos++;
          if (c !== 13) return this.framing(sink, 'expected CRLF after bulk data');
          this.state = S.dataLf;
          if (pos === end) break;
          if (chunk[pos] !== 10) return this.framing(sink, 'expected CRLF after bulk data');
          pos++;
          if (this.argDone(chunk, start, pos, sink)) start = pos;
          break;
        case S.dataLf:
          pos++;
          if (c !== 10) return this.framing(sink, 'expected CRLF after bulk data');
          if (this.argDone(chunk, start, pos, sink)) start = pos;
          break;
        default:
          return;
      }
      if (this.state === S.dead) return;
    }
    if (this.msg !== null && start < end) this.msg.pushPart(sliceOrWhole(chunk, start, end));
  }

  /** An argument and its CRLF were read; true when that completed the request (handed to the sink). */
  private argDone(chunk: Buffer, start: number, pos: number, sink: RequestSink): boolean {
    this.endArg();
    if (++this.argi < this.argc) {
      this.state = S.bulk;
      return false;
    }
    (this.msg as Msg).pushPart(sliceOrWhole(chunk, start, pos));
    this.finish(sink);
    return true;
  }

  private startNumber(state: number): void {
    this.num = 0;
    this.digits = 0;
    this.neg = false;
    this.state = state;
  }

  private badLength(sink: RequestSink): void {
    this.framing(sink, this.state <= S.argcLf ? 'invalid multibulk length' : 'invalid bulk length');
  }

  private framing(sink: RequestSink, what: string): void {
    this.state = S.dead;
    this.msg = null;
    sink.onFramingError(errorReply(`ERR Protocol error: ${what}`), what);
  }

  /** A bulk header was read: decide what to keep of it. False on a framing error. */
  private beginArg(len: number, sink: RequestSink): boolean {
    this.argLen = len;
    this.left = len;
    this.state = S.data;
    const i = this.argi;
    let cap: number = Cap.none;
    if (i === 0) {
      cap = Cap.name;
      this.nameLen = 0;
      this.nameFull = len;
    } else {
      switch (this.mode) {
        case Mode.firstKey: cap = i === 1 ? Cap.key : Cap.none; break;
        case Mode.keys: cap = Cap.key; break;
        case Mode.pairs: cap = i & 1 ? Cap.key : Cap.value; break;
        case Mode.eval:
          if (i === 2) cap = len <= SMALL_ARG ? Cap.arg : Cap.none;
          else if (i === 3 && this.numkeys > 0) cap = Cap.key;
          break;
        case Mode.local: cap = Cap.arg; break;
        case Mode.command: cap = i === 1 && len <= SMALL_ARG ? Cap.arg : Cap.none; break;
      }
    }
    if (cap === Cap.key && len > this.maxKey) {
      // nutcracker cannot hold a key bigger than one mbuf (spec §3.5): a framing error there too.
      this.framing(sink, `key too long (${len} bytes, limit ${this.maxKey})`);
      return false;
    }
    this.cap = cap;
    return true;
  }

  private capture(chunk: Buffer, pos: number, n: number): void {
    if (this.cap === Cap.name) {
      const room = NAME_KEEP - this.nameLen;
      const take = n < room ? n : room;
      if (take > 0) this.nameLen = copyRange(chunk, pos, pos + take, this.nameBuf, this.nameLen);
    } else if (this.cap === Cap.value) {
      (this.values as MsetValues).addPiece(chunk, pos, pos + n);
    } else if (n === this.argLen) {
      this.keyChunk = chunk; // the whole argument is here: the common case, no view needed yet
      this.keyAt = pos;
    } else {
      this.capSlices.push(slice(chunk, pos, pos + n));
    }
  }

  /** The current argument's data and CRLF were read. */
  private endArg(): void {
    const cap = this.cap;
    if (cap === Cap.none) return;
    if (cap === Cap.name) return this.identify();
    if (cap === Cap.value) {
      (this.values as MsetValues).endValue(this.argLen);
      return;
    }
    const whole = this.keyChunk;
    if (whole !== null) {
      this.keyChunk = null;
      const at = this.keyAt;
      if (cap === Cap.key) {
        if (this.keys !== null) this.keys.push(whole, at, at + this.argLen);
        else {
          this.key = whole;
          this.keyStart = at;
          this.keyEnd = at + this.argLen;
        }
        return;
      }
      this.capSlices.push(slice(whole, at, at + this.argLen));
    }
    const s = this.capSlices;
    const buf = s.length === 0 ? EMPTY : s.length === 1 ? s[0] : Buffer.concat(s, this.argLen);
    while (s.length > 0) s.pop(); // not `length = 0`: that goes through the runtime, per key
    if (cap === Cap.key) {
      if (this.keys !== null) this.keys.push(buf, 0, buf.length);
      else {
        this.key = buf;
        this.keyStart = 0;
        this.keyEnd = buf.length;
      }
    } else if (this.mode === Mode.local) (this.args as Buffer[]).push(buf);
    else if (this.mode === Mode.eval) this.numkeys = parseNumKeys(buf);
    else this.sub = buf;
  }

  /** The command name is known: look it up and decide the verdict and what to keep. */
  private identify(): void {
    const len = this.argLen;
    let cmd = -1;
    if (len <= MAX_COMMAND_NAME) {
      const name = this.nameBuf;
      const lower = LOWER;
      for (let i = 0; i < len; i++) {
        const b = name[i];
        lower[i] = b >= 65 && b <= 90 ? b | 0x20 : b;
      }
      cmd = lookupCommand(lower, len);
    }
    this.cmd = cmd;
    this.mode = Mode.skip;
    this.key = null;
    this.keys = null;
    this.args = null;
    this.values = null;
    this.sub = null;
    this.numkeys = NumKeys.notInteger;
    const cls = cmd < 0 ? CommandClass.refused : CMD_CLASS[cmd];
    const argc = this.argc;
    if (cls === CommandClass.refused) {
      this.verdict = Verdict.unsupported;
    } else if (argc < CMD_MIN_ARGC[cmd] || (CMD_MAX_ARGC[cmd] >= 0 && argc > CMD_MAX_ARGC[cmd]) || (cls === CommandClass.multiPair && (argc & 1) === 0)) {
      this.verdict = Verdict.arity;
    } else if (this.session.needsAuth && !allowedUnauthenticated(cmd)) {
      this.verdict = Verdict.noauth;
    } else {
      this.verdict = Verdict.ok;
      switch (cls) {
        case CommandClass.multiKey: this.mode = Mode.keys; this.keys = new KeyList(argc - 1); break;
        case CommandClass.multiPair: this.mode = Mode.pairs; this.keys = new KeyList((argc - 1) >> 1); this.values = new MsetValues(); break;
        case CommandClass.eval: this.mode = Mode.eval; break;
        case CommandClass.keylessForward: this.mode = cmd === COMMAND ? Mode.command : Mode.skip; break;
        case CommandClass.local: this.mode = Mode.local; this.args = []; break;
        default: this.mode = Mode.firstKey;
      }
    }
  }

  /** A whole request was read: decide its action and hand it to the sink. */
  private finish(sink: RequestSink): void {
    const msg = this.msg as Msg;
    this.msg = null;
    this.state = S.idle;
    msg.cmd = this.cmd;
    switch (this.verdict) {
      case Verdict.unsupported:
        local(msg, unsupportedCommand(this.nameBuf.subarray(0, this.nameLen), this.nameFull > this.nameLen));
        break;
      case Verdict.arity:
        local(msg, arityError(commandName(this.cmd)));
        break;
      case Verdict.noauth:
        local(msg, REPLIES.noauth);
        break;
      default:
        this.route(msg);
    }
    if (this.session.quit) this.state = S.dead; // nothing after QUIT is read
    sink.onRequest(msg);
  }

  private route(msg: Msg): void {
    const cmd = this.cmd;
    switch (CMD_CLASS[cmd]) {
      case CommandClass.multiKey:
      case CommandClass.multiPair: {
        const keys = this.keys as KeyList;
        if (keys.length === 1) {
          msg.setKey(keys.bufs[0], keys.starts[0], keys.ends[0]); // one key or pair: forwarded unchanged (spec §6.5)
        } else {
          msg.action = MsgAction.split;
          msg.keys = keys;
          msg.proto = this.values;
        }
        return;
      }
      case CommandClass.eval:
        return this.routeEval(msg);
      case CommandClass.keylessForward: {
        const answer = this.sub === null ? null : answerCommandSubcommand(this.sub);
        if (answer !== null) local(msg, answer);
        else msg.setKey(PLACEHOLDER);
        return;
      }
      case CommandClass.local:
        msg.action = MsgAction.local;
        answerLocal(this.session, cmd, this.args as Buffer[], msg);
        return;
      default:
        if (this.key !== null) msg.setKey(this.key, this.keyStart, this.keyEnd);
    }
  }

  /** EVAL/EVALSHA go to the server of their first key; without one there is nowhere to send them. */
  private routeEval(msg: Msg): void {
    const n = this.numkeys;
    if (n === NumKeys.notInteger) local(msg, REPLIES.notInteger);
    else if (n === NumKeys.negative) local(msg, errorReply("ERR Number of keys can't be negative"));
    else if (n > this.argc - 3) local(msg, errorReply("ERR Number of keys can't be greater than number of args"));
    else if (n === 0) local(msg, errorReply(`ERR ${commandName(this.cmd)} without keys cannot be routed by the proxy`));
    else if (this.key !== null) msg.setKey(this.key, this.keyStart, this.keyEnd);
  }
}

function local(msg: Msg, reply: Buffer): void {
  msg.action = MsgAction.local;
  msg.setReply(reply);
}

function parseNumKeys(buf: Buffer): number {
  let i = 0;
  let neg = false;
  if (buf.length > 1 && buf[0] === 45) {
    neg = true;
    i = 1;
  }
  if (i >= buf.length || buf.length - i > 18) return NumKeys.notInteger;
  let n = 0;
  for (; i < buf.length; i++) {
    const d = buf[i] - 48;
    if (d < 0 || d > 9) return NumKeys.notInteger;
    n = n * 10 + d;
  }
  return neg && n > 0 ? NumKeys.negative : n;
}
