// Test helpers for the Redis codecs: feed a buffer whole, byte by byte and in random splits, and
// record what the codec told its sink in a form that can be compared across the three ways.
// Also a fake ClientContext and pool config.

import type { PoolConfig } from '../../../../src/config/types';
import type { KeyList, Msg } from '../../../../src/proxy/msg';
import type { ClientContext, ReplySink, RequestSink } from '../../../../src/protocol/types';
import { redisProtocol } from '../../../../src/protocol/redis/index';
import { MsetValues } from '../../../../src/protocol/redis/split';
import { chunkings } from '../../../helpers/random';

/** Every case runs whole, byte by byte and in five random splits, each chunk in its own memory as a socket read delivers it. */
const CHUNKINGS = { copy: true } as const;

export function makePool(over: Partial<PoolConfig> = {}): PoolConfig {
  return {
    name: 'alpha',
    listen: { raw: '127.0.0.1:0', path: null, host: '127.0.0.1', port: 0, perm: 0 },
    hash: 'fnv1a_64',
    hashTag: null,
    distribution: 'ketama',
    timeout: 0,
    backlog: 512,
    clientConnections: 0,
    redis: true,
    redisAuth: null,
    redisDb: 0,
    preconnect: false,
    autoEjectHosts: false,
    serverConnections: 1,
    serverRetryTimeout: 30000,
    serverFailureLimit: 2,
    tcpkeepalive: false,
    reuseport: false,
    servers: [],
    ...over,
  };
}

export function makeCtx(pool: Partial<PoolConfig> = {}, maxKeyLength = 16335): ClientContext {
  return {
    pool: makePool(pool),
    maxKeyLength,
    describe: () => 'name: twemproxy-ts\nversion: 0.1.0\nuptime: 5',
    clientId: 42,
  };
}

/** One request as seen by the sink, with its bytes flattened for comparison. */
export interface SeenRequest {
  action: number;
  cmd: number;
  wire: string;
  key: string | null;
  keys: string[] | null;
  values: string[] | null;
  reply: string | null;
  closeAfter: boolean;
  msg: Msg;
}

export interface SeenRequests {
  requests: SeenRequest[];
  framing: { reply: string | null; reason: string }[];
  /** Sink calls made after a framing error (must stay 0). */
  afterFraming: number;
}

const s = (b: Buffer | null | undefined): string | null => (b == null ? null : b.toString('latin1'));

function describeMsg(msg: Msg): SeenRequest {
  let values: string[] | null = null;
  if (msg.proto instanceof MsetValues) {
    const v = msg.proto;
    values = v.lens.map((_, i) => v.value(i).toString('latin1'));
  }
  return {
    action: msg.action,
    cmd: msg.cmd,
    wire: Buffer.concat(msg.parts).toString('latin1'),
    key: s(msg.key),
    keys: msg.keys === null ? null : Array.from({ length: msg.keys.length }, (_, i) => (msg.keys as KeyList).key(i).toString('latin1')),
    values,
    reply: msg.reply === null ? null : Buffer.concat(msg.reply).toString('latin1'),
    closeAfter: msg.closeAfter,
    msg,
  };
}

/** Feed chunks to a fresh client codec and record every sink call. */
export function scanChunks(chunks: Buffer[], ctx: ClientContext = makeCtx()): SeenRequests {
  const codec = redisProtocol.newClientCodec(ctx);
  const seen: SeenRequests = { requests: [], framing: [], afterFraming: 0 };
  const sink: RequestSink = {
    onRequest(msg) {
      if (seen.framing.length > 0) seen.afterFraming++;
      seen.requests.push(describeMsg(msg));
    },
    onFramingError(reply, reason) {
      if (seen.framing.length > 0) seen.afterFraming++;
      seen.framing.push({ reply: s(reply), reason });
    },
  };
  for (const c of chunks) codec.feed(c, sink);
  return seen;
}

/** Strip the Msg objects so results of different chunkings compare with deepStrictEqual. */
export function comparable(r: SeenRequests): unknown {
  return { ...r, requests: r.requests.map(({ msg: _msg, ...rest }) => rest) };
}

/** Scan `input` all three ways; every way must agree. Returns the whole-buffer result. */
export function scanAllWays(
  input: Buffer | string,
  ctx: () => ClientContext = () => makeCtx(),
  check: (r: SeenRequests, how: string) => void = () => {},
): SeenRequests {
  const buf = typeof input === 'string' ? Buffer.from(input, 'latin1') : input;
  let first: SeenRequests | null = null;
  for (const { how, chunks } of chunkings(buf, CHUNKINGS)) {
    const r = scanChunks(chunks, ctx());
    check(r, how);
    if (first === null) first = r;
    else assertSame(comparable(first), comparable(r), how);
  }
  return first as SeenRequests;
}

function assertSame(a: unknown, b: unknown, how: string): void {
  const ja = JSON.stringify(a);
  const jb = JSON.stringify(b);
  if (ja !== jb) throw new Error(`${how} differs from whole-buffer scan:\n whole: ${ja}\n ${how}: ${jb}`);
}

/** One reply as reported by a server codec. */
export interface SeenReply {
  bytes: string;
  length: number;
  type: number;
  failure: boolean;
  parts: Buffer[];
}

export interface SeenReplies {
  replies: SeenReply[];
  errors: string[];
  afterError: number;
}

export function scanReplyChunks(chunks: Buffer[]): SeenReplies {
  const codec = redisProtocol.newServerCodec();
  const seen: SeenReplies = { replies: [], errors: [], afterError: 0 };
  const sink: ReplySink = {
    onReply(parts, bytes, type, failure) {
      if (seen.errors.length > 0) seen.afterError++;
      seen.replies.push({ bytes: Buffer.concat(parts).toString('latin1'), length: bytes, type, failure, parts });
    },
    onProtocolError(reason) {
      if (seen.errors.length > 0) seen.afterError++;
      seen.errors.push(reason);
    },
  };
  for (const c of chunks) codec.feed(c, sink);
  return seen;
}

/** Scan replies all three ways; every way must agree (ignoring the part boundaries). */
export function scanRepliesAllWays(input: Buffer | string): SeenReplies {
  const buf = typeof input === 'string' ? Buffer.from(input, 'latin1') : input;
  let first: SeenReplies | null = null;
  for (const { how, chunks } of chunkings(buf, CHUNKINGS)) {
    const r = scanReplyChunks(chunks);
    const strip = (x: SeenReplies) => ({ ...x, errors: x.errors.length, replies: x.replies.map(({ parts: _p, ...rest }) => rest) });
    if (first === null) first = r;
    else assertSame(strip(first), strip(r), how);
  }
  return first as SeenReplies;
}
