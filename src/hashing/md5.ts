// MD5 (RFC 1321), hand-written for short keys: nutcracker uses it as the `md5` key hash (digest bytes
// 0..3 little-endian, spec §5.2) and for ketama points (all 16 bytes, spec §5.3). node:crypto's
// createHash costs an object, a native call and a digest Buffer per key; this version allocates nothing
// and is several times faster for short keys (bench/hash-bench.ts measures both). Message words are
// assembled into a 16-word scratch block; the state lives in a 4-word scratch array.

const W = new Int32Array(16); // the current 64-byte block as little-endian words
const S = new Int32Array(4); // the running digest a, b, c, d

/** Folds the block in W into the state S. The 64 steps are unrolled: this is the whole cost of MD5. */
function compress(): void {
  const x0 = W[0], x1 = W[1], x2 = W[2], x3 = W[3], x4 = W[4], x5 = W[5], x6 = W[6], x7 = W[7];
  const x8 = W[8], x9 = W[9], x10 = W[10], x11 = W[11], x12 = W[12], x13 = W[13], x14 = W[14], x15 = W[15];
  let a = S[0];
  let b = S[1];
  let c = S[2];
  let d = S[3];
  a = (a + (d ^ (b & (c ^ d))) + x0 + -680876936) | 0; a = ((a << 7) | (a >>> 25)) + b | 0;
  d = (d + (c ^ (a & (b ^ c))) + x1 + -389564586) | 0; d = ((d << 12) | (d >>> 20)) + a | 0;
  c = (c + (b ^ (d & (a ^ b))) + x2 + 606105819) | 0; c = ((c << 17) | (c >>> 15)) + d | 0;
  b = (b + (a ^ (c & (d ^ a))) + x3 + -1044525330) | 0; b = ((b << 22) | (b >>> 10)) + c | 0;
  a = (a + (d ^ (b & (c ^ d))) + x4 + -176418897) | 0; a = ((a << 7) | (a >>> 25)) + b | 0;
  d = (d + (c ^ (a & (b ^ c))) + x5 + 1200080426) | 0; d = ((d << 12) | (d >>> 20)) + a | 0;
  c = (c + (b ^ (d & (a ^ b))) + x6 + -1473231341) | 0; c = ((c << 17) | (c >>> 15)) + d | 0;
  b = (b + (a ^ (c & (d ^ a))) + x7 + -45705983) | 0; b = ((b << 22) | (b >>> 10)) + c | 0;
  a = (a + (d ^ (b & (c ^ d))) + x8 + 1770035416) | 0; a = ((a << 7) | (a >>> 25)) + b | 0;
  d = (d + (c ^ (a & (b ^ c))) + x9 + -1958414417) | 0; d = ((d << 12) | (d >>> 20)) + a | 0;
  c = (c + (b ^ (d & (a ^ b))) + x10 + -42063) | 0; c = ((c << 17) | (c >>> 15)) + d | 0;
  b = (b + (a ^ (c & (d ^ a))) + x11 + -1990404162) | 0; b = ((b << 22) | (b >>> 10)) + c | 0;
  a = (a + (d ^ (b & (c ^ d))) + x12 + 1804603682) | 0; a = ((a << 7) | (a >>> 25)) + b | 0;
  d = (d + (c ^ (a & (b ^ c))) + x13 + -40341101) | 0; d = ((d << 12) | (d >>> 20)) + a | 0;
  c = (c + (b ^ (d & (a ^ b))) + x14 + -1502002290) | 0; c = ((c << 17) | (c >>> 15)) + d | 0;
  b = (b + (a ^ (c & (d ^ a))) + x15 + 1236535329) | 0; b = ((b << 22) | (b >>> 10)) + c | 0;
  a = (a + (c ^ (d & (b ^ c))) + x1 + -165796510) | 0; a = ((a << 5) | (a >>> 27)) + b | 0;
  d = (d + (b ^ (c & (a ^ b))) + x6 + -1069501632) | 0; d = ((d << 9) | (d >>> 23)) + a | 0;
  c = (c + (a ^ (b & (d ^ a))) + x11 + 643717713) | 0; c = ((c << 14) | (c >>> 18)) + d | 0;
  b = (b + (d ^ (a & (c ^ d))) + x0 + -373897302) | 0; b = ((b << 20) | (b >>> 12)) + c | 0;
  a = (a + (c ^ (d & (b ^ c))) + x5 + -701558691) | 0; a = ((a << 5) | (a >>> 27)) + b | 0;
  d = (d + (b ^ (c & (a ^ b))) + x10 + 38016083) | 0; d = ((d << 9) | (d >>> 23)) + a | 0;
  c = (c + (a ^ (b & (d ^ a))) + x15 + -660478335) | 0; c = ((c << 14) | (c >>> 18)) + d | 0;
  b = (b + (d ^ (a & (c ^ d))) + x4 + -405537848) | 0; b = ((b << 20) | (b >>> 12)) + c | 0;
  a = (a + (c ^ (d & (b ^ c))) + x9 + 568446438) | 0; a = ((a << 5) | (a >>> 27)) + b | 0;
  d = (d + (b ^ (c & (a ^ b))) + x14 + -1019803690) | 0; d = ((d << 9) | (d >>> 23)) + a | 0;
  c = (c + (a ^ (b & (d ^ a))) + x3 + -187363961) | 0; c = ((c << 14) | (c >>> 18)) + d | 0;
  b = (b + (d ^ (a & (c ^ d))) + x8 + 1163531501) | 0; b = ((b << 20) | (b >>> 12)) + c | 0;
  a = (a + (c ^ (d & (b ^ c))) + x13 + -1444681467) | 0; a = ((a << 5) | (a >>> 27)) + b | 0;
  d = (d + (b ^ (c & (a ^ b))) + x2 + -51403784) | 0; d = ((d << 9) | (d >>> 23)) + a | 0;
  c = (c + (a ^ (b & (d ^ a))) + x7 + 1735328473) | 0; c = ((c << 14) | (c >>> 18)) + d | 0;
  b = (b + (d ^ (a & (c ^ d))) + x12 + -1926607734) | 0; b = ((b << 20) | (b >>> 12)) + c | 0;
  a = (a + (b ^ c ^ d) + x5 + -378558) | 0; a = ((a << 4) | (a >>> 28)) + b | 0;
  d = (d + (a ^ b ^ c) + x8 + -2022574463) | 0; d = ((d << 11) | (d >>> 21)) + a | 0;
  c = (c + (d ^ a ^ b) + x11 + 1839030562) | 0; c = ((c << 16) | (c >>> 16)) + d | 0;
  b = (b + (c ^ d ^ a) + x14 + -35309556) | 0; b = ((b << 23) | (b >>> 9)) + c | 0;
  a = (a + (b ^ c ^ d) + x1 + -1530992060) | 0; a = ((a << 4) | (a >>> 28)) + b | 0;
  d = (d + (a ^ b ^ c) + x4 + 1272893353) | 0; d = ((d << 11) | (d >>> 21)) + a | 0;
  c = (c + (d ^ a ^ b) + x7 + -155497632) | 0; c = ((c << 16) | (c >>> 16)) + d | 0;
  b = (b + (c ^ d ^ a) + x10 + -1094730640) | 0; b = ((b << 23) | (b >>> 9)) + c | 0;
  a = (a + (b ^ c ^ d) + x13 + 681279174) | 0; a = ((a << 4) | (a >>> 28)) + b | 0;
  d = (d + (a ^ b ^ c) + x0 + -358537222) | 0; d = ((d << 11) | (d >>> 21)) + a | 0;
  c = (c + (d ^ a ^ b) + x3 + -722521979) | 0; c = ((c << 16) | (c >>> 16)) + d | 0;
  b = (b + (c ^ d ^ a) + x6 + 76029189) | 0; b = ((b << 23) | (b >>> 9)) + c | 0;
  a = (a + (b ^ c ^ d) + x9 + -640364487) | 0; a = ((a << 4) | (a >>> 28)) + b | 0;
  d = (d + (a ^ b ^ c) + x12 + -421815835) | 0; d = ((d << 11) | (d >>> 21)) + a | 0;
  c = (c + (d ^ a ^ b) + x15 + 530742520) | 0; c = ((c << 16) | (c >>> 16)) + d | 0;
  b = (b + (c ^ d ^ a) + x2 + -995338651) | 0; b = ((b << 23) | (b >>> 9)) + c | 0;
  a = (a + (c ^ (b | ~d)) + x0 + -198630844) | 0; a = ((a << 6) | (a >>> 26)) + b | 0;
  d = (d + (b ^ (a | ~c)) + x7 + 1126891415) | 0; d = ((d << 10) | (d >>> 22)) + a | 0;
  c = (c + (a ^ (d | ~b)) + x14 + -1416354905) | 0; c = ((c << 15) | (c >>> 17)) + d | 0;
  b = (b + (d ^ (c | ~a)) + x5 + -57434055) | 0; b = ((b << 21) | (b >>> 11)) + c | 0;
  a = (a + (c ^ (b | ~d)) + x12 + 1700485571) | 0; a = ((a << 6) | (a >>> 26)) + b | 0;
  d = (d + (b ^ (a | ~c)) + x3 + -1894986606) | 0; d = ((d << 10) | (d >>> 22)) + a | 0;
  c = (c + (a ^ (d | ~b)) + x10 + -1051523) | 0; c = ((c << 15) | (c >>> 17)) + d | 0;
  b = (b + (d ^ (c | ~a)) + x1 + -2054922799) | 0; b = ((b << 21) | (b >>> 11)) + c | 0;
  a = (a + (c ^ (b | ~d)) + x8 + 1873313359) | 0; a = ((a << 6) | (a >>> 26)) + b | 0;
  d = (d + (b ^ (a | ~c)) + x15 + -30611744) | 0; d = ((d << 10) | (d >>> 22)) + a | 0;
  c = (c + (a ^ (d | ~b)) + x6 + -1560198380) | 0; c = ((c << 15) | (c >>> 17)) + d | 0;
  b = (b + (d ^ (c | ~a)) + x13 + 1309151649) | 0; b = ((b << 21) | (b >>> 11)) + c | 0;
  a = (a + (c ^ (b | ~d)) + x4 + -145523070) | 0; a = ((a << 6) | (a >>> 26)) + b | 0;
  d = (d + (b ^ (a | ~c)) + x11 + -1120210379) | 0; d = ((d << 10) | (d >>> 22)) + a | 0;
  c = (c + (a ^ (d | ~b)) + x2 + 718787259) | 0; c = ((c << 15) | (c >>> 17)) + d | 0;
  b = (b + (d ^ (c | ~a)) + x9 + -343485551) | 0; b = ((b << 21) | (b >>> 11)) + c | 0;
  S[0] = (S[0] + a) | 0;
  S[1] = (S[1] + b) | 0;
  S[2] = (S[2] + c) | 0;
  S[3] = (S[3] + d) | 0;
}

/** Runs MD5 over buf[start, end); the digest is left in S (each word little-endian). */
function md5Run(buf: Uint8Array, start: number, end: number): void {
  S[0] = 0x67452301;
  S[1] = 0xefcdab89 | 0;
  S[2] = 0x98badcfe | 0;
  S[3] = 0x10325476;
  const len = end - start;
  const fullEnd = start + (len - (len & 63));
  let off = start;
  for (; off < fullEnd; off += 64) {
    for (let k = 0; k < 16; k++) {
      const o = off + 4 * k;
      W[k] = buf[o] | (buf[o + 1] << 8) | (buf[o + 2] << 16) | (buf[o + 3] << 24);
    }
    compress();
  }
  // Final block(s): the remaining 0..63 bytes, the 0x80 marker, zeros, and the bit length in words
  // 14..15 — in a second block when the remaining bytes leave no room for it (56 or more of them).
  const rest = end - off;
  W.fill(0);
  let k = 0;
  for (; k + 4 <= rest; k += 4) {
    const o = off + k;
    W[k >> 2] = buf[o] | (buf[o + 1] << 8) | (buf[o + 2] << 16) | (buf[o + 3] << 24);
  }
  for (; k < rest; k++) W[k >> 2] |= buf[off + k] << ((k & 3) << 3);
  W[rest >> 2] |= 0x80 << ((rest & 3) << 3);
  if (rest >= 56) {
    compress();
    W.fill(0);
  }
  W[14] = (len * 8) % 0x100000000;
  W[15] = Math.floor(len / 0x20000000);
  compress();
}

/** nutcracker's `md5` key hash: digest bytes 0..3 as a little-endian uint32. Allocates nothing. */
export function md5Hash(buf: Uint8Array, start: number, end: number): number {
  md5Run(buf, start, end);
  return S[0] >>> 0;
}

/** The full 16-byte MD5 digest of buf[start, end), written into `out` (a new array by default). */
export function md5Digest(
  buf: Uint8Array,
  start = 0,
  end = buf.length,
  out: Uint8Array = new Uint8Array(16),
): Uint8Array {
  md5Run(buf, start, end);
  for (let i = 0; i < 4; i++) {
    const w = S[i];
    out[4 * i] = w;
    out[4 * i + 1] = w >>> 8;
    out[4 * i + 2] = w >>> 16;
    out[4 * i + 3] = w >>> 24;
  }
  return out;
}
