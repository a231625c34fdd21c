// Key placement must match Debian's nutcracker exactly, or data written by one cannot be read by the
// other: 4 redis-servers fronted by both proxies, ≥300 keys (random binary bytes, the empty key, long
// keys, keys with hash tags "{}" in odd places) written through nutcracker and read back through ours,
// for several hash/distribution pairs. The backends themselves say where each key landed.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { hasNutcracker, startRedis, type Backend } from '../helpers/backends';
import { resp } from '../helpers/wire';
import { bulk, exchange, startAll, startShardedRedis } from '../integration/redis/sharded-redis';

const SKIP = hasNutcracker() ? false : 'Debian nutcracker not found (apt-get install nutcracker)';
const T = { timeout: 60_000, skip: SKIP };

/** Hash × distribution pairs to check (random distribution has no placement to compare). */
const CONFIGS = [
  { hash: 'fnv1a_64', distribution: 'ketama' },
  { hash: 'md5', distribution: 'ketama' },
  { hash: 'murmur', distribution: 'ketama' },
  { hash: 'crc32a', distribution: 'modula' },
  { hash: 'hsieh', distribution: 'modula' },
  { hash: 'one_at_a_time', distribution: 'modula' },
  { hash: 'jenkins', distribution: 'ketama' },
  { hash: 'fnv1_32', distribution: 'modula' },
] as const;

/** Deterministic random bytes (so a failure names a reproducible key set). */
function prng(seed: number): (n: number) => number {
  let s = seed >>> 0;
  return (n) => {
    s = (Math.imul(s ^ (s >>> 15), 2246822507) + 0x9e3779b9) >>> 0;
    return s % n;
  };
}

function makeKeys(): Buffer[] {
  const rand = prng(2024);
  const bytes = (n: number): Buffer => Buffer.from(Array.from({ length: n }, () => rand(256)));
  const keys: Buffer[] = [Buffer.alloc(0)];
  for (let i = 0; i < 200; i++) keys.push(bytes(1 + rand(40))); // binary, including bytes ≥ 0x80 (signed char in C)
  for (let i = 0; i < 40; i++) keys.push(Buffer.from(`user:${rand(1_000_000)}:profile`));
  for (const len of [250, 1000, 4096, 10_000, 16_000]) keys.push(Buffer.alloc(len, `long${len}`));
  const tagged = ['{user1000}.following', '{user1000}.followers', '{}empty-tag', 'no-close{tag', 'a}b{c}', '{{x}}', '{x}', 'x{y}z{w}', '{\r\n}'];
  for (const t of tagged) keys.push(Buffer.from(t));
  for (let i = 0; i < 60; i++) keys.push(Buffer.concat([Buffer.from(`{tag${rand(8)}}`), bytes(1 + rand(10))]));
  keys.push(Buffer.from('\r\n'), Buffer.from(' '), Buffer.from([0]), Buffer.from([0xff, 0xfe]));
  // Distinct keys only: a duplicate would make "the value written last" ambiguous.
  const seen = new Set<string>();
  return keys.filter((k) => !seen.has(k.toString('hex')) && seen.add(k.toString('hex')));
}

const KEYS = makeKeys();
const valueOf = (i: number): string => `value-${i}`;

let backends: Backend[] = [];

before(async () => {
  if (SKIP) return;
  backends = await startAll([0, 1, 2, 3].map(() => startRedis()));
});

after(async () => {
  await Promise.all(backends.map((b) => b.stop()));
});

test('the key set is big and varied enough', () => {
  assert.ok(KEYS.length >= 300, `${KEYS.length} keys`);
  assert.ok(KEYS.some((k) => k.length === 0) && KEYS.some((k) => k.length >= 16_000));
});

for (const config of CONFIGS) {
  test(`${config.hash}/${config.distribution}: keys written through nutcracker are found through ours`, T, async () => {
    const shard = await startShardedRedis({ useBackends: backends, fronts: ['nutcracker', 'ours'], directives: { ...config, hash_tag: '{}' } });
    try {
      await shard.flushAll();
      const written = await exchange(shard.ports.nutcracker as number, KEYS.map((k, i) => resp('SET', k, valueOf(i))));
      assert.ok(written.every((r) => r.toString() === '+OK\r\n'), 'nutcracker stored every key');
      const placedByNutcracker = await shard.locate(KEYS);

      const read = await exchange(shard.port, KEYS.map((k) => resp('GET', k)));
      const wrong = KEYS.map((k, i) => (read[i].toString() === bulk(valueOf(i)).toString() ? null : k.toString('hex'))).filter((k) => k !== null);
      assert.deepEqual(wrong, [], 'keys ours could not find where nutcracker put them (hex)');
      const [mget] = await exchange(shard.port, [resp('MGET', ...KEYS)]);
      assert.ok(mget.equals(Buffer.concat([Buffer.from(`*${KEYS.length}\r\n`), ...KEYS.map((_, i) => bulk(valueOf(i)))])), 'one MGET of every key');

      // And the other way round: ours writes each key where nutcracker did.
      await shard.flushAll();
      await exchange(shard.port, KEYS.map((k, i) => resp('SET', k, valueOf(i))));
      assert.deepEqual(await shard.locate(KEYS), placedByNutcracker);
      assert.ok(new Set(placedByNutcracker).size >= 3, `keys spread over ${new Set(placedByNutcracker).size} backends`);
    } finally {
      await shard.stop();
    }
  });
}
