// The mbuf chunk size (`-m`, spec §3.5, §10.1): the bounds nutcracker accepts, its messages, and the
// one behaviour the size changes, the Redis key length limit (a key must fit in one chunk's data
// area, i.e. be shorter than size − 48). Buffers here are Node Buffers, so nothing else depends on it.

import { ncAtoi } from './nc-atoi';

export const MBUF_SIZE = {
  default: 16384,
  min: 512,
  max: 16777216,
  /** nutcracker's struct mbuf header, carved out of every chunk. */
  header: 48,
} as const;

/**
 * Parse a `-m` argument as nutcracker does: nc_atoi (digits only, C int wrap-around, so 4294967808
 * is 512), > 0, within bounds; otherwise nutcracker's message (without the program name).
 */
export function parseMbufSize(text: string): number | { error: string } {
  const n = ncAtoi(text);
  if (n <= 0) return { error: 'option -m requires a non-zero number' };
  if (n < MBUF_SIZE.min || n > MBUF_SIZE.max) {
    return { error: `mbuf chunk size must be between ${MBUF_SIZE.min} and ${MBUF_SIZE.max} bytes` };
  }
  return n;
}

/** The longest Redis key nutcracker forwards with this chunk size (16335 by default). */
export function maxRedisKeyLength(mbufSize: number): number {
  return mbufSize - MBUF_SIZE.header - 1;
}
