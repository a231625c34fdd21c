// MurmurHash2 (32-bit) as nutcracker's hashkit computes it (spec §5.2): seed = 0xdeadbeef * len,
// blocks read little-endian, bytes unsigned. Multiplications are mod 2^32 via Math.imul.

const M = 0x5bd1e995;

export function murmur(buf: Uint8Array, start: number, end: number): number {
  const len = end - start;
  let h = Math.imul(0xdeadbeef, len) ^ len;
  let i = start;
  for (const blockEnd = start + (len & ~3); i < blockEnd; i += 4) {
    let k = buf[i] | (buf[i + 1] << 8) | (buf[i + 2] << 16) | (buf[i + 3] << 24);
    k = Math.imul(k, M);
    k ^= k >>> 24;
    k = Math.imul(k, M);
    h = Math.imul(h, M) ^ k;
  }
  // The C tail is a fall-through switch (3 → 2 → 1); written as ifs because tsconfig forbids fall-through.
  const rem = len & 3;
  if (rem === 3) h ^= buf[i + 2] << 16;
  if (rem >= 2) h ^= buf[i + 1] << 8;
  if (rem >= 1) h = Math.imul(h ^ buf[i], M);
  h ^= h >>> 13;
  h = Math.imul(h, M);
  h ^= h >>> 15;
  return h >>> 0;
}
