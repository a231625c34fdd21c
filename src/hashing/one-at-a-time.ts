// Bob Jenkins' one-at-a-time hash as nutcracker's hashkit computes it (spec §5.2).
// The C code adds each key byte through a signed `char`, so bytes >= 0x80 are sign-extended before the
// add (spec §5.1); `(b << 24) >> 24` reproduces that in int32 arithmetic.

export function oneAtATime(buf: Uint8Array, start: number, end: number): number {
  let h = 0;
  for (let i = start; i < end; i++) {
    h = (h + ((buf[i] << 24) >> 24)) | 0;
    h = (h + (h << 10)) | 0;
    h ^= h >>> 6;
  }
  h = (h + (h << 3)) | 0;
  h ^= h >>> 11;
  h = (h + (h << 15)) | 0;
  return h >>> 0;
}
