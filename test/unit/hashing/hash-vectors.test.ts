// Every cell of the spec §5.2 hash test-vector table, the sanity anchors under it, and the table of
// hash names in nutcracker's order.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HASHES, HASH_NAMES, isHashName, type HashName } from '../../../src/hashing/index';

const COLUMNS: HashName[] = [
  'one_at_a_time', 'md5', 'crc16', 'crc32', 'crc32a', 'fnv1_64',
  'fnv1a_64', 'fnv1_32', 'fnv1a_32', 'hsieh', 'murmur', 'jenkins',
];

// [label, key bytes, one value per COLUMNS entry] — copied from the spec table.
const ROWS: Array<[string, Buffer, number[]]> = [
  ['""', Buffer.from(''), [0, 3649838548, 0, 0, 0, 2216829733, 2216829733, 2166136261, 2166136261, 0, 0, 3735928572]],
  ['"a"', Buffer.from('a'), [3392050242, 3111502092, 31879, 26807, 3904355907, 2248259518, 2248273036, 84696446, 3826002220, 2472816263, 1262581116, 3768813200]],
  ['"foo"', Buffer.from('foo'), [596015325, 3675831724, 205303702, 3187, 2356372769, 1805727027, 4275688823, 1083137555, 2851307223, 1993659431, 3303027599, 2583187353]],
  ['"bar"', Buffer.from('bar'), [2151715081, 421377335, 1276220357, 30463, 1996459178, 1806514304, 322520602, 513390112, 1991736602, 2197238083, 516654467, 2006320315]],
  ['"hello"', Buffer.from('hello'), [3372029979, 708854109, 1800389474, 13840, 907060870, 3183334599, 2158673163, 3069866343, 1335831723, 327428805, 1377504255, 772589811]],
  ['"foobar"', Buffer.from('foobar'), [4182965735, 586569784, 2667556901, 7926, 2666930069, 2765990338, 4147734504, 837857890, 3214735720, 128288300, 2884435735, 266177376]],
  ['"123456789"', Buffer.from('123456789'), [3328923845, 2498230565, 2257596867, 19444, 3421780262, 737744598, 600231420, 605325334, 3146166556, 3841726064, 3077965456, 427260662]],
  ['"key:1000"', Buffer.from('key:1000'), [1521767476, 3586336007, 366246570, 25586, 1676837091, 1123819815, 1220681747, 1032065511, 375777235, 2106251928, 3313089737, 2979807287]],
  ['"hello world!"', Buffer.from('hello world!'), [2614696403, 2398699516, 104552315, 948, 62177901, 3111880380, 3445237362, 2315368860, 2956263410, 326258531, 2139946157, 465987074]],
  ['"The quick brown fox..."', Buffer.from('The quick brown fox jumps over the lazy dog'), [1369346549, 2642219166, 581169352, 16719, 1095738169, 2112060110, 3890508048, 3922226286, 76545936, 471461527, 818385189, 314054204]],
  ['c3 a9 74 c3 a9', Buffer.from([0xc3, 0xa9, 0x74, 0xc3, 0xa9]), [2144029493, 510308318, 3861292903, 17617, 1154575572, 3995086359, 3933641815, 3199958167, 200187927, 3432339831, 3664841419, 2303093779]],
  ['ff 80 7f', Buffer.from([0xff, 0x80, 0x7f]), [3725600580, 1005733085, 512908163, 15072, 3135248665, 1813151711, 1912619183, 817040671, 2631724399, 3414998417, 3646443695, 426025656]],
];

test('the hash table lists the 12 nutcracker hashes in nutcracker order', () => {
  assert.deepEqual(HASH_NAMES, COLUMNS);
  for (const name of COLUMNS) assert.equal(isHashName(name), true);
  assert.equal(isHashName('fnv1a_128'), false);
  assert.equal(isHashName('toString'), false);
});

for (const [c, name] of COLUMNS.entries()) {
  test(`${name} matches every spec test vector`, () => {
    const fn = HASHES[name];
    for (const [label, key, expected] of ROWS) {
      assert.equal(fn(key, 0, key.length), expected[c], `${name}(${label})`);
    }
  });
}

for (const [c, name] of COLUMNS.entries()) {
  test(`${name} hashes only buf[start, end) of a larger buffer`, () => {
    const fn = HASHES[name];
    for (const [label, key, expected] of ROWS) {
      // Surround the key with bytes that would change the hash if they were read.
      const framed = Buffer.concat([Buffer.from([0x80, 0xff, 0x7b, 0x00, 0x41]), key, Buffer.from([0xfe, 0x00, 0x61, 0x7d])]);
      assert.equal(fn(framed, 5, 5 + key.length), expected[c], `${name}(${label}) at offset 5`);
    }
  });
}

test('hashes return uint32 numbers', () => {
  for (const name of COLUMNS) {
    for (const [, key] of ROWS) {
      const h = HASHES[name](key, 0, key.length);
      assert.ok(Number.isInteger(h) && h >= 0 && h <= 0xffffffff, `${name} gave ${h}`);
    }
  }
});

test('sanity anchors: crc32a and crc32 check values, crc16 low bits are XMODEM', () => {
  const check = Buffer.from('123456789');
  assert.equal(HASHES.crc32a(check, 0, check.length), 0xcbf43926);
  assert.equal(HASHES.crc32(check, 0, check.length), 0x4bf4);
  const a = Buffer.from('a');
  assert.equal(HASHES.crc16(a, 0, a.length) & 0xffff, 0x7c87);
  const foo = Buffer.from('foo');
  assert.equal(HASHES.crc16(foo, 0, foo.length), 0x0c3caf96);
});
