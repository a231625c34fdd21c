// Inline commands (`PING\r\n` typed in telnet; nutcracker rejects them, Redis accepts them).
// A line is split into arguments exactly like Redis's sdssplitargs (blanks, "double quotes" with
// \xHH and \n-style escapes, 'single quotes'), then rewritten once as a RESP array so the rest of
// the proxy sees one request format and the backend sees the same arguments we routed by.

/** Longest inline line accepted (Redis's PROTO_INLINE_MAX_SIZE). */
export const INLINE_MAX = 64 * 1024;

function isSpace(c: number): boolean {
  return c === 32 || (c >= 9 && c <= 13); // ' ' \t \n \v \f \r, as C isspace()
}

function hexVal(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  if (c >= 65 && c <= 70) return c - 55;
  return -1;
}

const ESCAPES: Record<number, number> = { 110: 10, 114: 13, 116: 9, 98: 8, 97: 7 }; // n r t b a

/**
 * Split one inline line (without its line ending) into arguments; null when quotes are unbalanced.
 * A NUL byte ends the line, as it does for Redis's C-string parser.
 */
export function splitInline(line: Uint8Array): Buffer[] | null {
  let end = line.indexOf(0);
  if (end < 0) end = line.length;
  const args: Buffer[] = [];
  const cur: number[] = [];
  let p = 0;
  for (;;) {
    while (p < end && isSpace(line[p])) p++;
    if (p >= end) return args;
    let inq = false;
    let insq = false;
    cur.length = 0;
    for (;;) {
      const c = p < end ? line[p] : -1;
      if (inq) {
        if (c === -1) return null;
        if (c === 92 && p + 3 < end && line[p + 1] === 120 && hexVal(line[p + 2]) >= 0 && hexVal(line[p + 3]) >= 0) {
          cur.push(hexVal(line[p + 2]) * 16 + hexVal(line[p + 3]));
          p += 3;
        } else if (c === 92 && p + 1 < end) {
          p++;
          cur.push(ESCAPES[line[p]] ?? line[p]);
        } else if (c === 34) {
          if (p + 1 < end && !isSpace(line[p + 1])) return null; // closing quote must end the token
          p++;
          break;
        } else cur.push(c);
      } else if (insq) {
        if (c === -1) return null;
        if (c === 92 && p + 1 < end && line[p + 1] === 39) {
          p++;
          cur.push(39);
        } else if (c === 39) {
          if (p + 1 < end && !isSpace(line[p + 1])) return null;
          p++;
          break;
        } else cur.push(c);
      } else if (c === -1 || c === 32 || c === 10 || c === 13 || c === 9) {
        break;
      } else if (c === 34) inq = true;
      else if (c === 39) insq = true;
      else cur.push(c);
      p++;
    }
    args.push(Buffer.from(cur));
  }
}

/** The line of a reader that has not completed one: shared, as nothing can be written to it. */
const NO_LINE = Buffer.alloc(0);

/**
 * Collects one inline line from chunks (bounded by INLINE_MAX). `read` consumes bytes up to and
 * including the LF; then `line` holds the line without its CR LF. A line inside one chunk is a
 * slice of it; only a line split across chunks is copied.
 */
export class InlineLineReader {
  /** The completed line (valid after read() returned with done === true). */
  line: Buffer = NO_LINE;
  done = false;
  tooBig = false;
  private slices: Buffer[] = [];
  private len = 0;

  /** Consume from chunk[pos]; returns the position after what was consumed. */
  read(chunk: Buffer, pos: number): number {
    const nl = chunk.indexOf(10, pos);
    const stop = nl < 0 ? chunk.length : nl;
    this.len += stop - pos;
    if (this.len > INLINE_MAX) {
      this.tooBig = true;
      return chunk.length;
    }
    if (nl < 0) {
      this.slices.push(chunk.subarray(pos));
      this.done = false;
      return chunk.length;
    }
    let line = chunk.subarray(pos, nl);
    if (this.slices.length > 0) {
      this.slices.push(line);
      line = Buffer.concat(this.slices);
      this.slices = [];
    }
    if (line.length > 0 && line[line.length - 1] === 13) line = line.subarray(0, line.length - 1);
    this.line = line;
    this.len = 0;
    this.done = true;
    return nl + 1;
  }
}

/** The RESP array form of a list of arguments (built once; inline commands are rare). */
export function toResp(args: Buffer[]): Buffer {
  const pieces: Buffer[] = [Buffer.from(`*${args.length}\r\n`, 'latin1')];
  for (const a of args) pieces.push(Buffer.from(`$${a.length}\r\n`, 'latin1'), a, Buffer.from('\r\n'));
  return Buffer.concat(pieces);
}
