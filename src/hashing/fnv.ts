// The four FNV variants of nutcracker's hashkit (spec §5.2), all sign-extending key bytes (spec §5.1).
// fnv1_64 returns only the low 32 bits of a 64-bit FNV-1. The low 32 bits of a product mod 2^64 depend
// only on the low 32 bits of the factors, and the sign-extended xor touches the low half the same way,
// so the high half can never reach the result: one Math.imul per byte is exact, no BigInt or 32-bit
// halves needed (a test checks this against a full BigInt model). fnv1a_64 is, as in the C code, a 32-bit
// computation using the low halves of the 64-bit constants.

const FNV64_INIT_LO = 0x84222325; // low 32 bits of 0xcbf29ce484222325
const FNV64_PRIME_LO = 0x000001b3; // low 32 bits of 0x100000001b3
const FNV32_INIT = 0x811c9dc5;
const FNV32_PRIME = 0x01000193;

export function fnv1_64(buf: Uint8Array, start: number, end: number): number {
  let h = FNV64_INIT_LO | 0;
  for (let i = start; i < end; i++) h = Math.imul(h, FNV64_PRIME_LO) ^ ((buf[i] << 24) >> 24);
  return h >>> 0;
}

export function fnv1a_64(buf: Uint8Array, start: number, end: number): number {
  let h = FNV64_INIT_LO | 0;
  for (let i = start; i < end; i++) h = Math.imul(h ^ ((buf[i] << 24) >> 24), FNV64_PRIME_LO);
  return h >>> 0;
}

export function fnv1_32(buf: Uint8Array, start: number, end: number): number {
  let h = FNV32_INIT | 0;
  for (let i = start; i < end; i++) h = Math.imul(h, FNV32_PRIME) ^ ((buf[i] << 24) >> 24);
  return h >>> 0;
}

export function fnv1a_32(buf: Uint8Array, start: number, end: number): number {
  let h = FNV32_INIT | 0;
  for (let i = start; i < end; i++) h = Math.imul(h ^ ((buf[i] << 24) >> 24), FNV32_PRIME);
  return h >>> 0;
}
