// Hashes checked against independent models on random keys: node:crypto for md5, zlib for crc32a, a
// BigInt 64-bit FNV-1 for fnv1_64, a bitwise XMODEM for crc16's low half, and the 32-bit halves
// argument behind fnv1_64 (the high half of the 64-bit state never reaches the low 32 bits).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import * as zlib from 'node:zlib';
import { md5Digest, md5Hash } from '../../../src/hashing/md5';
import { crc32, crc32a } from '../../../src/hashing/crc32';
import { crc16 } from '../../../src/hashing/crc16';
import { fnv1_64 } from '../../../src/hashing/fnv';

/** Keys of every length 0..200 (covers MD5's 55/56/63/64-byte padding edges) plus some long ones. */
function sampleKeys(): Buffer[] {
  const keys: Buffer[] = [];
  for (let n = 0; n <= 200; n++) keys.push(randomBytes(n));
  for (const n of [511, 512, 1000, 4096, 65537]) keys.push(randomBytes(n));
  return keys;
}

test('md5Digest equals node:crypto md5 for every length 0..200 and long inputs', () => {
  for (const key of sampleKeys()) {
    const expected = createHash('md5').update(key).digest();
    assert.deepEqual(Buffer.from(md5Digest(key)), expected, `length ${key.length}`);
  }
});

test('md5Digest reads only buf[start, end) and writes into the given output', () => {
  const key = Buffer.from('127.0.0.1:6379-0');
  const framed = Buffer.concat([Buffer.from('xx'), key, Buffer.from('yy')]);
  const out = new Uint8Array(16);
  const ret = md5Digest(framed, 2, 2 + key.length, out);
  assert.equal(ret, out);
  assert.equal(Buffer.from(out).toString('hex'), '0657b78baa661008fec6986c779eff28');
});

test('md5Hash is the first four digest bytes read little-endian', () => {
  for (const key of sampleKeys()) {
    const expected = createHash('md5').update(key).digest().readUInt32LE(0);
    assert.equal(md5Hash(key, 0, key.length), expected, `length ${key.length}`);
  }
});

test('crc32a equals zlib crc32 and crc32 keeps its bits 16..30', () => {
  for (const key of sampleKeys()) {
    const z = zlib.crc32(key);
    assert.equal(crc32a(key, 0, key.length), z, `length ${key.length}`);
    assert.equal(crc32(key, 0, key.length), (z >>> 16) & 0x7fff, `length ${key.length}`);
  }
});

function xmodem(key: Uint8Array): number {
  let crc = 0;
  for (const b of key) {
    crc ^= b << 8;
    for (let k = 0; k < 8; k++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  }
  return crc;
}

test('crc16 low 16 bits equal a bitwise CRC-16/XMODEM', () => {
  for (const key of sampleKeys().slice(0, 120)) {
    assert.equal(crc16(key, 0, key.length) & 0xffff, xmodem(key), `length ${key.length}`);
  }
});

function fnv1_64BigInt(key: Uint8Array): number {
  const mask = (1n << 64n) - 1n;
  let h = 0xcbf29ce484222325n;
  for (const b of key) {
    h = (h * 0x100000001b3n) & mask;
    h ^= BigInt(b >= 0x80 ? b - 256 : b) & mask; // the C code sign-extends a signed char to 64 bits
  }
  return Number(h & 0xffffffffn);
}

test('fnv1_64 equals the low 32 bits of a full 64-bit FNV-1 with sign-extended bytes', () => {
  for (const key of sampleKeys().slice(0, 150)) {
    assert.equal(fnv1_64(key, 0, key.length), fnv1_64BigInt(key), `key ${key.toString('hex')}`);
  }
});
