// Paul Hsieh's SuperFastHash with seed 0, as in nutcracker's hashkit (spec §5.2). 16-bit reads are
// little-endian and unsigned; the third byte of a 3-byte tail is read through a signed `char` and
// sign-extended (spec §5.1), while a 1-byte tail is cast to unsigned char first.

export function hsieh(buf: Uint8Array, start: number, end: number): number {
  const len = end - start;
  if (len <= 0) return 0;
  let h = 0;
  let i = start;
  for (const blockEnd = start + (len & ~3); i < blockEnd; i += 4) {
    h = (h + (buf[i] | (buf[i + 1] << 8))) | 0;
    const tmp = ((buf[i + 2] | (buf[i + 3] << 8)) << 11) ^ h;
    h = (h << 16) ^ tmp;
    h = (h + (h >>> 11)) | 0;
  }
  switch (len & 3) {
    case 3:
      h = (h + (buf[i] | (buf[i + 1] << 8))) | 0;
      h ^= h << 16;
      h ^= ((buf[i + 2] << 24) >> 24) << 18;
      h = (h + (h >>> 11)) | 0;
      break;
    case 2:
      h = (h + (buf[i] | (buf[i + 1] << 8))) | 0;
      h ^= h << 11;
      h = (h + (h >>> 17)) | 0;
      break;
    case 1:
      h = (h + buf[i]) | 0;
      h ^= h << 10;
      h = (h + (h >>> 1)) | 0;
      break;
  }
  h ^= h << 3;
  h = (h + (h >>> 5)) | 0;
  h ^= h << 4;
  h = (h + (h >>> 17)) | 0;
  h ^= h << 25;
  h = (h + (h >>> 6)) | 0;
  return h >>> 0;
}
