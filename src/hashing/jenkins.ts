// Bob Jenkins' lookup3 hashlittle(key, len, 13) as nutcracker's hashkit calls it (spec §5.2). Words are
// assembled little-endian from unsigned bytes, which is what every alignment path of the C code computes.
// The mix loop runs while MORE than 12 bytes remain, so every non-empty key ends with a 1..12-byte tail
// and `final`; only the empty key returns c untouched (0xdeadbeef + 13).

const INITVAL = 13;

export function jenkins(buf: Uint8Array, start: number, end: number): number {
  let len = end - start;
  let a = (0xdeadbeef + len + INITVAL) | 0;
  let b = a;
  let c = a;
  let i = start;
  while (len > 12) {
    a = (a + (buf[i] | (buf[i + 1] << 8) | (buf[i + 2] << 16) | (buf[i + 3] << 24))) | 0;
    b = (b + (buf[i + 4] | (buf[i + 5] << 8) | (buf[i + 6] << 16) | (buf[i + 7] << 24))) | 0;
    c = (c + (buf[i + 8] | (buf[i + 9] << 8) | (buf[i + 10] << 16) | (buf[i + 11] << 24))) | 0;
    // mix(a, b, c)
    a = (a - c) | 0; a ^= (c << 4) | (c >>> 28); c = (c + b) | 0;
    b = (b - a) | 0; b ^= (a << 6) | (a >>> 26); a = (a + c) | 0;
    c = (c - b) | 0; c ^= (b << 8) | (b >>> 24); b = (b + a) | 0;
    a = (a - c) | 0; a ^= (c << 16) | (c >>> 16); c = (c + b) | 0;
    b = (b - a) | 0; b ^= (a << 19) | (a >>> 13); a = (a + c) | 0;
    c = (c - b) | 0; c ^= (b << 4) | (b >>> 28); b = (b + a) | 0;
    len -= 12;
    i += 12;
  }
  if (len === 0) return c >>> 0;
  // Tail of 1..12 bytes: byte n goes to word n>>2 at bit 8*(n&3); missing bytes count as zero.
  let wa = 0;
  let wb = 0;
  let wc = 0;
  for (let n = 0; n < len; n++) {
    const v = buf[i + n] << ((n & 3) << 3);
    if (n < 4) wa |= v;
    else if (n < 8) wb |= v;
    else wc |= v;
  }
  a = (a + wa) | 0;
  b = (b + wb) | 0;
  c = (c + wc) | 0;
  // final(a, b, c)
  c ^= b; c = (c - ((b << 14) | (b >>> 18))) | 0;
  a ^= c; a = (a - ((c << 11) | (c >>> 21))) | 0;
  b ^= a; b = (b - ((a << 25) | (a >>> 7))) | 0;
  c ^= b; c = (c - ((b << 16) | (b >>> 16))) | 0;
  a ^= c; a = (a - ((c << 4) | (c >>> 28))) | 0;
  b ^= a; b = (b - ((a << 14) | (a >>> 18))) | 0;
  c ^= b; c = (c - ((b << 24) | (b >>> 8))) | 0;
  return c >>> 0;
}
