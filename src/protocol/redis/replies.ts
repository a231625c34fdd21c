// Replies made by the proxy itself (spec §6.9): fixed ones preallocated once, and the few builders
// for replies that carry data (bulk, integer, error text). Also the decimal writer used wherever
// RESP headers are built directly as bytes (fragments, merged replies).

import { ERRNO, type ErrnoName } from '../../proxy/errno';

/** Fixed replies, byte-exact with nutcracker where it has them. Never mutate these buffers. */
export const REPLIES = {
  ok: Buffer.from('+OK\r\n'),
  pong: Buffer.from('+PONG\r\n'),
  noauth: Buffer.from('-NOAUTH Authentication required\r\n'),
  authNotSet: Buffer.from('-ERR Client sent AUTH, but no password is set\r\n'),
  invalidPassword: Buffer.from('-ERR invalid password\r\n'),
  wrongPass: Buffer.from('-WRONGPASS invalid username-password pair or user is disabled.\r\n'),
  noproto: Buffer.from('-NOPROTO unsupported protocol version\r\n'),
  helloNoauth: Buffer.from(
    '-NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO <proto> AUTH ' +
      '<user> <pass> option can be used to authenticate the client and select the RESP protocol version at ' +
      'the same time\r\n',
  ),
  notInteger: Buffer.from('-ERR value is not an integer or out of range\r\n'),
  syntax: Buffer.from('-ERR syntax error\r\n'),
  emptyArray: Buffer.from('*0\r\n'),
  nullBulk: Buffer.from('$-1\r\n'),
} as const;

/** `-ERR <strerror>\r\n` for every errno of the table, built once (spec §6.9 generic rule). */
const ERRNO_REPLIES = new Map<string, Buffer>();
for (const name of Object.keys(ERRNO) as ErrnoName[]) {
  ERRNO_REPLIES.set(name, Buffer.from(`-ERR ${ERRNO[name].text}\r\n`));
}

export function errnoReply(err: ErrnoName): Buffer {
  return ERRNO_REPLIES.get(err) ?? (ERRNO_REPLIES.get('unknown') as Buffer);
}

/** Number of bytes of the decimal form of a non-negative integer. */
export function decLen(n: number): number {
  // Key lengths and element counts: nearly always one to three digits.
  if (n < 10) return 1;
  if (n < 100) return 2;
  if (n < 1000) return 3;
  let len = 3;
  while (n >= 1000) {
    n = Math.floor(n / 10);
    len++;
  }
  return len;
}

/** Write a non-negative integer in decimal at `pos`; returns the position after it. */
export function writeDec(buf: Buffer, pos: number, n: number): number {
  if (n < 10) {
    buf[pos] = 48 + n;
    return pos + 1;
  }
  if (n < 100) {
    const tens = (n / 10) | 0;
    buf[pos] = 48 + tens;
    buf[pos + 1] = 48 + n - tens * 10;
    return pos + 2;
  }
  const end = pos + decLen(n);
  let p = end;
  do {
    buf[--p] = 48 + (n % 10);
    n = Math.floor(n / 10);
  } while (n > 0);
  return end;
}

/** `$<len>\r\n<data>\r\n` as one buffer. */
export function bulkReply(data: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(1 + decLen(data.length) + 2 + data.length + 2);
  out[0] = 36; // '$'
  let p = writeDec(out, 1, data.length);
  out[p++] = 13;
  out[p++] = 10;
  out.set(data, p);
  p += data.length;
  out[p++] = 13;
  out[p] = 10;
  return out;
}

/** `:<n>\r\n` (n may be negative). */
export function integerReply(n: number): Buffer {
  return Buffer.from(`:${n}\r\n`, 'latin1');
}

/** An error reply from free text; CR and LF (which would break framing) become spaces, as Redis does. */
export function errorReply(text: string): Buffer {
  const out = Buffer.from(`-${text}\r\n`, 'latin1');
  for (let i = 1; i < out.length - 2; i++) if (out[i] === 13 || out[i] === 10) out[i] = 32;
  return out;
}

/** Redis's arity error; the name is the table's (lowercase) name, as Redis prints it. */
export function arityError(name: string): Buffer {
  return errorReply(`ERR wrong number of arguments for '${name}' command`);
}

/** The reply to a command the proxy does not support, naming it as the client spelled it. */
export function unsupportedCommand(name: Uint8Array, truncated: boolean): Buffer {
  const shown = Buffer.from(name).toString('latin1') + (truncated ? '...' : '');
  return errorReply(`ERR unsupported command '${shown}'`);
}
