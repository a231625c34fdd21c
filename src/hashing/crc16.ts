// CRC-16/XMODEM (poly 0x1021) with nutcracker's unmasked 32-bit accumulator (spec §5.2): the bits shifted
// out above bit 15 are kept and returned, so the result is NOT the plain 16-bit CRC (the low 16 bits are).
// Key bytes are masked to 8 bits by the table index, so signedness does not matter here.

const TABLE = (() => {
  const t = new Uint16Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n << 8;
    for (let k = 0; k < 8; k++) c = c & 0x8000 ? (c << 1) ^ 0x1021 : c << 1;
    t[n] = c & 0xffff;
  }
  return t;
})();

export function crc16(buf: Uint8Array, start: number, end: number): number {
  let crc = 0;
  for (let i = start; i < end; i++) crc = (crc << 8) ^ TABLE[((crc >>> 8) ^ buf[i]) & 0xff];
  return crc >>> 0;
}
