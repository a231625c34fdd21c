// Placement, the proxy's key → server object (spec §5): the §5.7 routing vectors for every hash with
// ketama and modula, the unnamed-server vectors, the one-server shortcut, empty keys, hash tags, the
// live set (ejection moves only the ejected server's keys) and random distribution.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Placement } from '../../../src/distribution/placement';
import type { HashName } from '../../../src/hashing/index';

// Pool order after nutcracker's sort (spec §5.7).
const NAMED = [
  { name: 'x', weight: 1 },
  { name: 's1', weight: 1 },
  { name: 'third', weight: 3 },
  { name: 'server-two', weight: 2 },
  { name: 'alpha.example', weight: 5 },
];
const KEYS = ['foo', 'bar', 'hello', 'a', '', 'key:1000', '123456789'];

// Spec §5.7 table: hash, distribution, then the server for each of KEYS. 'alpha' = alpha.example.
const ROUTES: Array<[HashName, 'ketama' | 'modula', string[]]> = [
  ['one_at_a_time', 'ketama', ['alpha', 'alpha', 'alpha', 'alpha', 'alpha', 'alpha', 'alpha']],
  ['one_at_a_time', 'modula', ['alpha', 's1', 'third', 'server-two', 'x', 'third', 'server-two']],
  ['md5', 'ketama', ['server-two', 'third', 'server-two', 'alpha', 'alpha', 'third', 'third']],
  ['md5', 'modula', ['third', 'alpha', 'alpha', 'x', 'x', 'alpha', 'server-two']],
  ['crc16', 'ketama', ['server-two', 'third', 'alpha', 'alpha', 'alpha', 'server-two', 'alpha']],
  ['crc16', 'modula', ['alpha', 'server-two', 'third', 'alpha', 'x', 'server-two', 'third']],
  ['crc32', 'ketama', ['alpha', 'alpha', 'alpha', 'alpha', 'alpha', 'alpha', 'alpha']],
  ['crc32', 'modula', ['alpha', 'alpha', 'third', 'alpha', 'x', 'third', 'third']],
  ['crc32a', 'ketama', ['server-two', 'alpha', 'third', 'alpha', 'alpha', 'alpha', 'third']],
  ['crc32a', 'modula', ['server-two', 'third', 'alpha', 'third', 'x', 'third', 'third']],
  ['fnv1_64', 'ketama', ['alpha', 'alpha', 'alpha', 'third', 'alpha', 'alpha', 'alpha']],
  ['fnv1_64', 'modula', ['third', 'alpha', 'third', 'alpha', 'x', 'third', 'server-two']],
  ['fnv1a_64', 'ketama', ['third', 'x', 'alpha', 'third', 'alpha', 's1', 'alpha']],
  ['fnv1a_64', 'modula', ['alpha', 'alpha', 'third', 'third', 'x', 'alpha', 'x']],
  ['fnv1_32', 'ketama', ['alpha', 'alpha', 'alpha', 'third', 'alpha', 'server-two', 'x']],
  ['fnv1_32', 'modula', ['alpha', 'third', 'third', 'third', 'x', 'third', 'alpha']],
  ['fnv1a_32', 'ketama', ['third', 'alpha', 'server-two', 'third', 'alpha', 'third', 'alpha']],
  ['fnv1a_32', 'modula', ['third', 'third', 'third', 'third', 'x', 'alpha', 'third']],
  ['hsieh', 'ketama', ['alpha', 'alpha', 'server-two', 'alpha', 'alpha', 'third', 'server-two']],
  ['hsieh', 'modula', ['alpha', 'alpha', 'alpha', 'alpha', 'x', 'x', 'alpha']],
  ['murmur', 'ketama', ['alpha', 'alpha', 'alpha', 'x', 'alpha', 'alpha', 's1']],
  ['murmur', 'modula', ['alpha', 'alpha', 'third', 'x', 'x', 'server-two', 'third']],
  ['jenkins', 'ketama', ['alpha', 'alpha', 's1', 'third', 'alpha', 'alpha', 'x']],
  ['jenkins', 'modula', ['alpha', 'alpha', 'third', 'alpha', 'x', 'alpha', 'third']],
];

function route(p: Placement, key: string | Buffer): number {
  const buf = typeof key === 'string' ? Buffer.from(key) : key;
  return p.serverFor(buf, 0, buf.length);
}

const shortName = (i: number): string => (NAMED[i].name === 'alpha.example' ? 'alpha' : NAMED[i].name);

for (const [hash, distribution, expected] of ROUTES) {
  test(`${hash} + ${distribution} routes the spec keys like nutcracker`, () => {
    const p = new Placement({ hash, distribution, hashTag: null, servers: NAMED });
    assert.deepEqual(KEYS.map((k) => shortName(route(p, k))), expected);
  });
}

test('the named pool has 64, 64, 200, 132, 332 ketama points and 1,1,3,2,5 modula slots', () => {
  const ketama = new Placement({ hash: 'fnv1a_64', distribution: 'ketama', hashTag: null, servers: NAMED });
  assert.deepEqual(ketama.pointsPerServer(), [64, 64, 200, 132, 332]);
  const modula = new Placement({ hash: 'fnv1a_64', distribution: 'modula', hashTag: null, servers: NAMED });
  assert.deepEqual(modula.pointsPerServer(), [1, 1, 3, 2, 5]);
});

test('two unnamed servers route the second vector set like nutcracker', () => {
  const servers = [{ name: '127.0.0.1:6379', weight: 1 }, { name: '127.0.0.1:6380', weight: 1 }];
  const p = new Placement({ hash: 'fnv1a_64', distribution: 'ketama', hashTag: null, servers });
  const expected = ['6380', '6379', '6379', '6379', '6379', '6380', '6380'];
  assert.deepEqual(KEYS.map((k) => servers[route(p, k)].name.slice(-4)), expected);
});

test('an empty key hashes to 0 and goes to the owner of the smallest point', () => {
  const servers = [17001, 17002, 17003, 17004].map((port) => ({ name: `127.0.0.1:${port}`, weight: 1 }));
  const p = new Placement({ hash: 'fnv1a_64', distribution: 'ketama', hashTag: null, servers });
  assert.equal(p.hashKey(Buffer.alloc(0), 0, 0), 0);
  assert.equal(servers[route(p, '')].name, '127.0.0.1:17002');
  // md5("") is not 0: the empty key must not be hashed.
  const md5 = new Placement({ hash: 'md5', distribution: 'modula', hashTag: null, servers: NAMED });
  assert.equal(md5.hashKey(Buffer.alloc(0), 0, 0), 0);
  assert.equal(route(md5, ''), 0);
});

test('one configured server always gets index 0, or -1 once it is not live', () => {
  for (const distribution of ['ketama', 'modula', 'random'] as const) {
    const p = new Placement({ hash: 'crc32', distribution, hashTag: Buffer.from('{}'), servers: [{ name: 'only', weight: 1 }] });
    for (const k of KEYS) assert.equal(route(p, k), 0);
    p.setLive([false]);
    assert.equal(p.liveCount, 0);
    assert.equal(route(p, 'foo'), -1);
    p.setLive([true]);
    assert.equal(route(p, 'foo'), 0);
  }
});

test('no live server gives -1 for every distribution', () => {
  for (const distribution of ['ketama', 'modula', 'random'] as const) {
    const p = new Placement({ hash: 'fnv1a_64', distribution, hashTag: null, servers: NAMED });
    assert.equal(p.liveCount, 5);
    p.setLive([false, false, false, false, false]);
    assert.equal(p.liveCount, 0);
    for (const k of KEYS) assert.equal(route(p, k), -1);
  }
});

test('keys sharing a hash tag land on the server of the tag itself', () => {
  const p = new Placement({ hash: 'fnv1a_64', distribution: 'ketama', hashTag: Buffer.from('{}'), servers: NAMED });
  const plain = new Placement({ hash: 'fnv1a_64', distribution: 'ketama', hashTag: null, servers: NAMED });
  for (const tag of KEYS.slice(0, 4)) {
    for (const key of [`user:{${tag}}:a`, `{${tag}}`, `x{${tag}}y{z}`]) assert.equal(route(p, key), route(plain, tag), key);
  }
  // An empty tag hashes the whole key.
  assert.equal(route(p, '{}key:1000'), route(plain, '{}key:1000'));
  const buf = Buffer.from('user:{123}:a');
  assert.equal(p.hashKey(buf, 0, buf.length), plain.hashKey(Buffer.from('123'), 0, 3));
});

test('keys inside a larger buffer route by their own bytes only', () => {
  const p = new Placement({ hash: 'murmur', distribution: 'ketama', hashTag: Buffer.from('{}'), servers: NAMED });
  for (const k of KEYS) {
    const framed = Buffer.concat([Buffer.from('*2\r\n$3\r\nGET\r\n$9\r\n{'), Buffer.from(k), Buffer.from('}\r\n')]);
    const start = framed.indexOf('{') + 1;
    assert.equal(p.serverFor(framed, start, start + k.length), route(p, k), k);
  }
});

function randomKeys(n: number): Buffer[] {
  const keys: Buffer[] = [];
  for (let i = 0; i < n; i++) keys.push(Buffer.from(`key:${i}:${(i * 2654435761) >>> 0}`));
  return keys;
}

test('ejecting one of several equal-weight ketama servers moves only its keys, and restoring undoes it', () => {
  const servers = Array.from({ length: 6 }, (_, i) => ({ name: `10.0.0.${i}:6379`, weight: 1 }));
  const p = new Placement({ hash: 'fnv1a_64', distribution: 'ketama', hashTag: null, servers });
  const keys = randomKeys(3000);
  const before = keys.map((k) => route(p, k));
  p.setLive([true, true, true, false, true, true]);
  assert.equal(p.liveCount, 5);
  assert.equal(p.isLive(3), false);
  let moved = 0;
  keys.forEach((k, i) => {
    const now = route(p, k);
    assert.notEqual(now, 3);
    if (before[i] !== 3) assert.equal(now, before[i], `key ${k} moved though its server stayed`);
    else moved++;
  });
  assert.ok(moved > 0, 'the ejected server owned some keys');
  p.setLive(new Array<boolean>(6).fill(true));
  assert.deepEqual(keys.map((k) => route(p, k)), before);
});

test('with 26 equal servers, ejecting one recounts the rest at 156 points (as nutcracker)', () => {
  const servers = Array.from({ length: 26 }, (_, i) => ({ name: `node${i}`, weight: 1 }));
  const p = new Placement({ hash: 'fnv1a_64', distribution: 'ketama', hashTag: null, servers });
  p.setLive(servers.map((_, i) => i !== 0));
  assert.deepEqual(p.pointsPerServer(), servers.map((_, i) => (i === 0 ? 0 : 156)));
});

test('modula over live servers: ejecting one reshuffles by the new slot count', () => {
  const p = new Placement({ hash: 'fnv1a_64', distribution: 'modula', hashTag: null, servers: NAMED });
  p.setLive([true, true, false, true, true]);
  const slots = [0, 1, 3, 3, 4, 4, 4, 4, 4];
  for (const k of randomKeys(200)) assert.equal(route(p, k), slots[p.hashKey(k, 0, k.length) % 9]);
});

test('random spreads keys over live servers only, ignoring weights', () => {
  const p = new Placement({ hash: 'fnv1a_64', distribution: 'random', hashTag: null, servers: NAMED });
  p.setLive([true, false, true, true, false]);
  const counts = [0, 0, 0, 0, 0];
  const key = Buffer.from('same-key');
  for (let i = 0; i < 6000; i++) counts[p.serverFor(key, 0, key.length)]++;
  assert.equal(counts[1], 0);
  assert.equal(counts[4], 0);
  // Uniform over 3 servers: 2000 expected each; 1500 is more than 12 standard deviations away.
  for (const i of [0, 2, 3]) assert.ok(counts[i] > 1500, `server ${i} got ${counts[i]}`);
});

test('invalid construction and live sets are rejected up front', () => {
  const base = { hash: 'fnv1a_64' as const, distribution: 'ketama' as const, hashTag: null };
  assert.throws(() => new Placement({ ...base, servers: [{ name: 'a', weight: 0 }] }), RangeError);
  assert.throws(() => new Placement({ ...base, servers: [{ name: 'a', weight: 1.5 }] }), RangeError);
  assert.throws(() => new Placement({ ...base, hashTag: Buffer.from('{'), servers: NAMED }), RangeError);
  assert.throws(() => new Placement({ ...base, hash: 'nope' as HashName, servers: NAMED }), RangeError);
  const p = new Placement({ ...base, servers: NAMED });
  assert.throws(() => p.setLive([true]), RangeError);
});
