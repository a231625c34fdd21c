// Copying a byte range between Buffers in a merge, at the cost that fits its length: short ranges
// byte by byte (a native copy would first create a view object), longer ones with one native copy.

const NATIVE_FROM = 64;

/** Copy src[start, end) into out at pos; returns the position after the copied bytes. */
export function copyRange(src: Buffer, start: number, end: number, out: Buffer, pos: number): number {
  if (end - start > NATIVE_FROM) return pos + src.copy(out, pos, start, end);
  for (let i = start; i < end; i++) out[pos++] = src[i];
  return pos;
}
