// Message framing for the test tools (wire client, fake backend): how many bytes one complete Redis
// (RESP2) or memcached ASCII message takes from an offset, or -1 if more bytes are needed. Deliberately
// simple and independent of src/protocol, so tests of the real scanners do not check them against
// themselves; it re-scans from the offset on every call, which is fine at test sizes.

export type WireProtocol = 'redis' | 'memcache';
export type Direction = 'reply' | 'request';

const LF = 10;

function lineEnd(buf: Buffer, off: number): number {
  return buf.indexOf('\r\n', off, 'latin1');
}

/** RESP2 value (simple string, error, integer, bulk, array; nested). */
function respLength(buf: Buffer, off: number): number {
  if (off >= buf.length) return -1;
  const eol = lineEnd(buf, off);
  if (eol < 0) return -1;
  const type = String.fromCharCode(buf[off]);
  const afterLine = eol + 2;
  switch (type) {
    case '+':
    case '-':
    case ':':
      return afterLine - off;
    case '$': {
      const n = Number(buf.toString('latin1', off + 1, eol));
      if (!Number.isInteger(n)) throw new Error(`bad RESP bulk length ${JSON.stringify(buf.toString('latin1', off, eol))}`);
      if (n < 0) return afterLine - off;
      const end = afterLine + n + 2;
      return end <= buf.length ? end - off : -1;
    }
    case '*': {
      const n = Number(buf.toString('latin1', off + 1, eol));
      if (!Number.isInteger(n)) throw new Error(`bad RESP array length ${JSON.stringify(buf.toString('latin1', off, eol))}`);
      let p = afterLine;
      for (let i = 0; i < n; i++) {
        const len = respLength(buf, p);
        if (len < 0) return -1;
        p += len;
      }
      return p - off;
    }
    default:
      throw new Error(`not a RESP2 message at offset ${off}: ${JSON.stringify(buf.toString('latin1', off, Math.min(eol + 2, off + 80)))}`);
  }
}

/** A Redis request: a RESP array, or an inline command line (ends at LF). */
function redisRequestLength(buf: Buffer, off: number): number {
  if (off >= buf.length) return -1;
  if (buf[off] === 0x2a /* '*' */) return respLength(buf, off);
  const lf = buf.indexOf(LF, off);
  return lf < 0 ? -1 : lf + 1 - off;
}

/** Multi-line memcached replies: VALUE blocks (get/gets) and STAT lines, both closed by END. */
const ERROR_LINE = /^(ERROR|CLIENT_ERROR|SERVER_ERROR)/;

function memcacheReplyLength(buf: Buffer, off: number): number {
  let p = off;
  let first = true;
  for (;;) {
    const eol = lineEnd(buf, p);
    if (eol < 0) return -1;
    const line = buf.toString('latin1', p, eol);
    const next = eol + 2;
    if (line.startsWith('VALUE ')) {
      const bytes = Number(line.split(' ')[3]);
      if (!Number.isInteger(bytes) || bytes < 0) throw new Error(`bad memcached VALUE line ${JSON.stringify(line)}`);
      p = next + bytes + 2;
      if (p > buf.length) return -1;
    } else if (line.startsWith('STAT ')) {
      p = next;
    } else if (first || line === 'END' || ERROR_LINE.test(line)) {
      // A single-line reply, or the line that closes (or aborts) a multi-line one.
      return next - off;
    } else {
      throw new Error(`unexpected line inside a memcached multi-line reply: ${JSON.stringify(line)}`);
    }
    first = false;
  }
}

/** Storage commands carry a data block of <bytes> (the 5th token) plus CRLF after the command line. */
const STORAGE_COMMANDS = ['set', 'add', 'replace', 'append', 'prepend', 'cas'] as const;

function memcacheRequestLength(buf: Buffer, off: number): number {
  const eol = lineEnd(buf, off);
  if (eol < 0) return -1;
  const tokens = buf.toString('latin1', off, eol).split(' ').filter(Boolean);
  const next = eol + 2;
  if (!(STORAGE_COMMANDS as readonly string[]).includes(tokens[0] ?? '')) return next - off;
  const bytes = Number(tokens[4]);
  if (!Number.isInteger(bytes) || bytes < 0) return next - off;
  const end = next + bytes + 2;
  return end <= buf.length ? end - off : -1;
}

/**
 * Length of the complete message starting at `off`, or -1 if it is not complete yet. Throws on bytes
 * that cannot start a message of that protocol (so a test fails with the bytes in the message).
 */
export function frameLength(buf: Buffer, off: number, protocol: WireProtocol, direction: Direction): number {
  if (protocol === 'redis') return direction === 'reply' ? respLength(buf, off) : redisRequestLength(buf, off);
  return direction === 'reply' ? memcacheReplyLength(buf, off) : memcacheRequestLength(buf, off);
}

/** Printable preview of bytes for failure messages. */
export function preview(buf: Buffer, max = 200): string {
  const text = JSON.stringify(buf.subarray(0, max).toString('latin1'));
  return buf.length > max ? `${text}... (${buf.length} bytes)` : text;
}
