// Byte-level checks of memcached ASCII tokens: numbers, keys, fixed words. They read buf[start, end)
// in place and allocate nothing, because they run for every request and every reply line.

const ZERO = 48;
const NINE = 57;
const MINUS = 45;

/** Largest <bytes> accepted in a storage command (memcached refuses more than INT_MAX − 2). */
export const MAX_DATA_LENGTH = 0x7fffffff - 2;
/** memcached's key limit (KEY_MAX_LENGTH). */
export const MAX_KEY_LENGTH = 250;

const UINT64_MAX = Buffer.from('18446744073709551615', 'latin1');

export const KeyCheck = { ok: 0, tooLong: 1, controlChar: 2 } as const;
export type KeyCheckValue = (typeof KeyCheck)[keyof typeof KeyCheck];

export const syntax = {
  /** Unsigned decimal ≤ max (max ≤ 2^53), or -1 when not all digits / too large / empty. */
  parseUint(buf: Uint8Array, start: number, end: number, max: number): number {
    if (end <= start || end - start > 16) return -1;
    let v = 0;
    for (let i = start; i < end; i++) {
      const c = buf[i];
      if (c < ZERO || c > NINE) return -1;
      v = v * 10 + (c - ZERO);
    }
    return v <= max ? v : -1;
  },

  /** All digits and fits in a uint64 (cas unique, incr/decr delta). */
  isUint64(buf: Uint8Array, start: number, end: number): boolean {
    const len = end - start;
    if (len <= 0 || len > 20) return false;
    for (let i = start; i < end; i++) if (buf[i] < ZERO || buf[i] > NINE) return false;
    if (len < 20) return true;
    for (let i = 0; i < 20; i++) {
      const d = buf[start + i] - UINT64_MAX[i];
      if (d !== 0) return d < 0;
    }
    return true;
  },

  /** An optional '-' and 1..18 digits: an exptime as memcached's strtol reads it (cannot overflow). */
  isInt64(buf: Uint8Array, start: number, end: number): boolean {
    let i = start;
    if (i < end && buf[i] === MINUS) i++;
    const len = end - i;
    if (len <= 0 || len > 18) return false;
    for (; i < end; i++) if (buf[i] < ZERO || buf[i] > NINE) return false;
    return true;
  },

  /**
   * Keys as memcached really takes them: 1..maxLen bytes, any byte but NUL and LF. memcached (1.6) and
   * nutcracker accept every other control byte, and real clients rely on it (memcaslap prefixes its
   * keys with 8 raw bytes such as 0x10). NUL and LF are refused because memcached would cut the line
   * there and answer twice, desynchronising the server connection. Spaces never reach here (they end
   * a key) and CR is only a terminator when followed by LF.
   */
  checkKey(buf: Uint8Array, start: number, end: number, maxLen: number): KeyCheckValue {
    if (end - start > maxLen) return KeyCheck.tooLong;
    for (let i = start; i < end; i++) {
      const c = buf[i];
      if (c === 0x00 || c === 0x0a) return KeyCheck.controlChar;
    }
    return KeyCheck.ok;
  },

  /** buf[start, end) equals the bytes of word. */
  equals(buf: Uint8Array, start: number, end: number, word: Uint8Array): boolean {
    return syntax.rangeEquals(buf, start, end, word, 0, word.length);
  },

  /** a[aStart, aEnd) and b[bStart, bEnd) hold the same bytes. */
  rangeEquals(a: Uint8Array, aStart: number, aEnd: number, b: Uint8Array, bStart: number, bEnd: number): boolean {
    const n = aEnd - aStart;
    if (bEnd - bStart !== n) return false;
    for (let i = 0; i < n; i++) if (a[aStart + i] !== b[bStart + i]) return false;
    return true;
  },

  /** buf[start, end) begins with the bytes of word. */
  startsWith(buf: Uint8Array, start: number, end: number, word: Uint8Array): boolean {
    if (end - start < word.length) return false;
    for (let i = 0; i < word.length; i++) if (buf[start + i] !== word[i]) return false;
    return true;
  },
} as const;
