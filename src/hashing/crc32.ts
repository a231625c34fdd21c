// CRC-32 (reflected, poly 0xEDB88320) in nutcracker's two flavours (spec §5.2): crc32a is the standard
// value (zlib's crc32); crc32 is the "libmemcached compatible" one that keeps only 15 bits, bits 16..30.
// With ketama that 15-bit range sends almost every key to the owner of the smallest point; kept on purpose.

const TABLE = (() => {
  const t = new Int32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c;
  }
  return t;
})();

function crc32Raw(buf: Uint8Array, start: number, end: number): number {
  let c = -1;
  for (let i = start; i < end; i++) c = TABLE[(c ^ buf[i]) & 0xff] ^ (c >>> 8);
  return ~c;
}

export function crc32(buf: Uint8Array, start: number, end: number): number {
  return (crc32Raw(buf, start, end) >>> 16) & 0x7fff;
}

export function crc32a(buf: Uint8Array, start: number, end: number): number {
  return crc32Raw(buf, start, end) >>> 0;
}
