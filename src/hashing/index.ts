// The hash function table (spec §5.2): name → function, in nutcracker's order. Each function hashes
// buf[start, end) and returns a uint32, bit-exact with nutcracker's hashkit (signed-char quirks included).

import { oneAtATime } from './one-at-a-time';
import { md5Hash } from './md5';
import { crc16 } from './crc16';
import { crc32, crc32a } from './crc32';
import { fnv1_64, fnv1a_64, fnv1_32, fnv1a_32 } from './fnv';
import { hsieh } from './hsieh';
import { murmur } from './murmur';
import { jenkins } from './jenkins';

export type HashFn = (buf: Uint8Array, start: number, end: number) => number;

export const HASHES = {
  one_at_a_time: oneAtATime,
  md5: md5Hash,
  crc16,
  crc32,
  crc32a,
  fnv1_64,
  fnv1a_64,
  fnv1_32,
  fnv1a_32,
  hsieh,
  murmur,
  jenkins,
} as const satisfies Record<string, HashFn>;

export type HashName = keyof typeof HASHES;
export const HASH_NAMES = Object.keys(HASHES) as HashName[];

export function isHashName(s: string): s is HashName {
  return Object.prototype.hasOwnProperty.call(HASHES, s);
}
