// Commands the proxy answers itself (spec §6.7, §6.9 and our additions): AUTH, PING, QUIT, ECHO,
// SELECT, HELLO, CLIENT, INFO and COMMAND COUNT/LIST/DOCS, plus the per-connection session state
// they read and change (authenticated or not, client name). Not a hot path: strings are fine here.

import { timingSafeEqual } from 'node:crypto';
import type { ClientContext } from '../types';
import type { Msg } from '../../proxy/msg';
import { CMD_CLASS, CommandClass, REDIS_COMMANDS, commandIndex } from './commands';
import { REPLIES, arityError, bulkReply, errorReply, integerReply } from './replies';

/** What one client connection has told the proxy about itself. */
export class RedisSession {
  /** Passed AUTH (only meaningful when the pool has redis_auth). */
  authed = false;
  /** CLIENT SETNAME / HELLO SETNAME; null when unset. */
  name: Buffer | null = null;
  /** QUIT seen: nothing after it is read. */
  quit = false;

  constructor(readonly ctx: ClientContext) {}

  /** True when the pool wants a password and this connection has not given the right one. */
  get needsAuth(): boolean {
    return this.ctx.pool.redisAuth !== null && !this.authed;
  }
}

/** What Redis version the proxy claims in HELLO and INFO (clients gate features on it). */
export const CLAIMED_VERSION = '7.0.0';

const AUTH = commandIndex('auth');
const PING = commandIndex('ping');
const QUIT = commandIndex('quit');
const ECHO = commandIndex('echo');
const SELECT = commandIndex('select');
const HELLO = commandIndex('hello');
const CLIENT = commandIndex('client');
const INFO = commandIndex('info');

/** Commands allowed before AUTH on a pool with redis_auth (as Redis: they handle auth themselves). */
export function allowedUnauthenticated(cmd: number): boolean {
  return cmd === AUTH || cmd === HELLO || cmd === QUIT;
}

/** Answer a `local` command: sets msg's reply (and closeAfter for QUIT). `args` exclude the name. */
export function answerLocal(session: RedisSession, cmd: number, args: Buffer[], msg: Msg): void {
  switch (cmd) {
    case AUTH:
      msg.setReply(args.length === 1 ? auth(session, null, args[0]) : auth(session, args[0], args[1]));
      return;
    case PING:
      msg.setReply(args.length === 0 ? REPLIES.pong : bulkReply(args[0]));
      return;
    case QUIT:
      // nutcracker closes without a reply; Redis answers +OK first, which clients wait for.
      session.quit = true;
      msg.closeAfter = true;
      msg.setReply(REPLIES.ok);
      return;
    case ECHO:
      msg.setReply(bulkReply(args[0]));
      return;
    case SELECT:
      msg.setReply(select(session, args[0]));
      return;
    case HELLO:
      msg.setReply(hello(session, args));
      return;
    case CLIENT:
      msg.setReply(client(session, args));
      return;
    case INFO:
      msg.setReply(info(session, args));
      return;
    default:
      msg.setReply(errorReply(`ERR unsupported command '${REDIS_COMMANDS[cmd]?.name ?? '?'}'`));
  }
}

function lower(b: Buffer): string {
  return b.toString('latin1').toLowerCase();
}

function sameBytes(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * AUTH [user] password (spec §6.7): the proxy is the authenticator. A failed attempt always
 * de-authenticates (nutcracker does this for a wrong password). `user` other than "default" fails
 * like Redis's ACL check would.
 */
function auth(session: RedisSession, user: Buffer | null, password: Buffer): Buffer {
  const want = session.ctx.pool.redisAuth;
  if (user !== null && user.toString('latin1') !== 'default') {
    session.authed = false;
    return REPLIES.wrongPass;
  }
  if (want === null) return REPLIES.authNotSet;
  if (sameBytes(password, Buffer.from(want, 'utf8'))) {
    session.authed = true;
    return REPLIES.ok;
  }
  session.authed = false;
  return REPLIES.invalidPassword;
}

/** Parse an argument as a decimal integer the way Redis's string2ll would, or NaN. */
function parseInteger(b: Buffer): number {
  const neg = b.length > 1 && b[0] === 45;
  const from = neg ? 1 : 0;
  const digits = b.length - from;
  if (digits < 1 || digits > 16 || (b[from] === 48 && digits > 1)) return NaN;
  let n = 0;
  for (let i = from; i < b.length; i++) {
    const d = b[i] - 48;
    if (d < 0 || d > 9) return NaN;
    n = n * 10 + d;
  }
  return neg ? -n : n;
}

/** SELECT: the pool's redis_db is the only database a client can see (spec §6.8). */
function select(session: RedisSession, arg: Buffer): Buffer {
  const db = parseInteger(arg);
  if (Number.isNaN(db)) return REPLIES.notInteger;
  const poolDb = session.ctx.pool.redisDb;
  if (db === poolDb) return REPLIES.ok;
  return errorReply(`ERR SELECT is not allowed through the proxy (pool uses db ${poolDb})`);
}

/** A client name may not contain spaces, newlines or other special characters (Redis's rule). */
function setName(session: RedisSession, name: Buffer): Buffer | null {
  for (let i = 0; i < name.length; i++) {
    if (name[i] < 33 || name[i] > 126) {
      return errorReply('ERR Client names cannot contain spaces, newlines or special characters.');
    }
  }
  session.name = name.length === 0 ? null : Buffer.from(name);
  return null;
}

/** HELLO [2 [AUTH user pass] [SETNAME name]]: RESP2 only; RESP3 gets -NOPROTO, which clients fall back from. */
function hello(session: RedisSession, args: Buffer[]): Buffer {
  if (args.length > 0) {
    const ver = parseInteger(args[0]);
    if (Number.isNaN(ver)) return errorReply('ERR Protocol version is not an integer or out of range');
    if (ver !== 2) return REPLIES.noproto;
  }
  let user: Buffer | null = null;
  let pass: Buffer | null = null;
  let name: Buffer | null = null;
  for (let i = 1; i < args.length; i++) {
    const opt = lower(args[i]);
    if (opt === 'auth' && i + 2 < args.length) {
      user = args[i + 1];
      pass = args[i + 2];
      i += 2;
    } else if (opt === 'setname' && i + 1 < args.length) {
      name = args[++i];
    } else {
      return errorReply(`ERR Syntax error in HELLO option '${args[i].toString('latin1')}'`);
    }
  }
  if (user !== null && pass !== null) {
    // Without redis_auth the "default" user has no password: Redis accepts any, so do we.
    const r = session.ctx.pool.redisAuth === null && user.toString('latin1') === 'default' ? REPLIES.ok : auth(session, user, pass);
    if (r !== REPLIES.ok) return r;
  }
  if (session.needsAuth) return REPLIES.helloNoauth;
  if (name !== null) {
    const err = setName(session, name);
    if (err !== null) return err;
  }
  return helloMap(session.ctx.clientId);
}

/** Redis's HELLO map, flattened as RESP2 does. */
function helloMap(id: number): Buffer {
  const kv: [string, string][] = [
    ['server', '$5\r\nredis'],
    ['version', `$${CLAIMED_VERSION.length}\r\n${CLAIMED_VERSION}`],
    ['proto', ':2'],
    ['id', `:${id}`],
    ['mode', '$10\r\nstandalone'],
    ['role', '$6\r\nmaster'],
    ['modules', '*0'],
  ];
  let s = `*${kv.length * 2}\r\n`;
  for (const [k, v] of kv) s += `$${k.length}\r\n${k}\r\n${v}\r\n`;
  return Buffer.from(s, 'latin1');
}

/** CLIENT SETNAME/GETNAME/SETINFO/ID; other subcommands would need a real Redis connection. */
function client(session: RedisSession, args: Buffer[]): Buffer {
  const sub = lower(args[0]);
  switch (sub) {
    case 'setname':
      if (args.length !== 2) return arityError('client|setname');
      return setName(session, args[1]) ?? REPLIES.ok;
    case 'getname':
      if (args.length !== 1) return arityError('client|getname');
      return session.name === null ? REPLIES.nullBulk : bulkReply(session.name);
    case 'setinfo': {
      if (args.length !== 3) return arityError('client|setinfo');
      const attr = lower(args[1]);
      if (attr !== 'lib-name' && attr !== 'lib-ver') return errorReply(`ERR Unrecognized option '${args[1].toString('latin1')}'`);
      return REPLIES.ok;
    }
    case 'id':
      if (args.length !== 1) return arityError('client|id');
      return integerReply(session.ctx.clientId);
    default:
      return errorReply(`ERR unsupported CLIENT subcommand '${args[0].toString('latin1')}'`);
  }
}

/**
 * INFO [section...]: enough of Redis's format for clients' ready checks (ioredis reads `loading`),
 * plus the proxy's own description under `# Proxy`. Lines of describe() are normalised to key:value.
 */
function info(session: RedisSession, args: Buffer[]): Buffer {
  const proxyLines: string[] = [];
  for (const raw of session.ctx.describe().split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const colon = line.indexOf(':');
    if (colon <= 0) proxyLines.push(`proxy_info:${line}`);
    else proxyLines.push(`${line.slice(0, colon).trim().replace(/\s+/g, '_')}:${line.slice(colon + 1).trim()}`);
  }
  const sections: [string, string[]][] = [
    ['Server', [`redis_version:${CLAIMED_VERSION}`, 'redis_mode:standalone', `pool:${session.ctx.pool.name}`]],
    ['Proxy', proxyLines],
    ['Persistence', ['loading:0']],
    ['Replication', ['role:master', 'connected_slaves:0']],
  ];
  const wanted = args.map(lower);
  const all = wanted.length === 0 || wanted.some((w) => w === 'all' || w === 'everything' || w === 'default');
  const out: string[] = [];
  for (const [title, lines] of sections) {
    if (!all && !wanted.includes(title.toLowerCase())) continue;
    if (out.length > 0) out.push('');
    out.push(`# ${title}`, ...lines);
  }
  return bulkReply(Buffer.from(out.length > 0 ? out.join('\r\n') + '\r\n' : '', 'utf8'));
}

const COMMAND_NAMES = REDIS_COMMANDS.filter((_, i) => CMD_CLASS[i] !== CommandClass.refused).map((c) => c.name);
const COMMAND_COUNT = integerReply(COMMAND_NAMES.length);
const COMMAND_LIST = Buffer.from(
  `*${COMMAND_NAMES.length}\r\n` + COMMAND_NAMES.map((n) => `$${n.length}\r\n${n}\r\n`).join(''),
  'latin1',
);

/**
 * COMMAND COUNT / LIST describe what the proxy accepts; COMMAND DOCS is an empty map (redis-cli then
 * shows no hints rather than hints for commands we refuse). Other COMMAND forms go to a backend.
 * Returns null when the request should be forwarded.
 */
export function answerCommandSubcommand(sub: Buffer): Buffer | null {
  switch (lower(sub)) {
    case 'count':
      return COMMAND_COUNT;
    case 'list':
      return COMMAND_LIST;
    case 'docs':
      return REPLIES.emptyArray;
    default:
      return null;
  }
}
