// Key placement against Debian's nutcracker 0.5.0 for memcached pools: with the same config and the
// same backends, every key written through nutcracker is readable through ours, and the other way
// round — so ours can replace nutcracker in front of a warm cache. 320 random keys per pool (control
// bytes except NUL/LF/CR, high bytes, 250-byte keys, hash tags) over several hash/distribution setups.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { hasNutcracker, startMemcached, startNutcracker, type Backend, type Nutcracker } from '../helpers/backends';
import { poolYaml, startProxy, type PoolSpec, type RunningProxy } from '../helpers/proxy';
import { rng } from '../helpers/random';
import { connect } from '../helpers/wire';
import { memcacheWire as mc } from '../integration/memcache/memcache-wire';

const T = { timeout: 30_000 };
const skip = hasNutcracker() ? false : 'nutcracker (Debian 0.5.0) is not installed: apt-get install nutcracker';

/** Pool setups: name → directives and server weights. */
const POOLS: Record<string, { directives: Record<string, string>; weights: number[] }> = {
  defaults: { directives: {}, weights: [1, 1, 1] },
  ketama_md5: { directives: { hash: 'md5', distribution: 'ketama' }, weights: [1, 1, 1] },
  ketama_weighted_murmur: { directives: { hash: 'murmur', distribution: 'ketama' }, weights: [1, 2, 5] },
  modula_hsieh: { directives: { hash: 'hsieh', distribution: 'modula' }, weights: [1, 1, 2] },
  tagged_one_at_a_time: { directives: { hash: 'one_at_a_time', hash_tag: '{}' }, weights: [1, 1, 1] },
};

/** Bytes a key may hold through both proxies: not space, not NUL/LF (we refuse), not CR (nutcracker ends the key). */
const KEY_BYTES = Array.from({ length: 256 }, (_, i) => i).filter((c) => ![0x00, 0x0a, 0x0d, 0x20].includes(c));

function randomKeys(seed: number): Buffer[] {
  const rnd = rng(seed);
  const key = (len: number): Buffer => Buffer.from(Array.from({ length: len }, () => KEY_BYTES[Math.floor(rnd() * KEY_BYTES.length)]));
  const keys: Buffer[] = [];
  for (let i = 0; i < 280; i++) keys.push(key(1 + Math.floor(rnd() * 60)));
  for (let i = 0; i < 20; i++) keys.push(key(250));
  for (let i = 0; i < 20; i++) keys.push(Buffer.from(`user{${i % 4}}:${i}`, 'latin1'));
  // Random keys could repeat; placement is checked per distinct key.
  return [...new Map(keys.map((k) => [k.toString('latin1'), k])).values()];
}

describe('memcached key placement matches nutcracker', { skip }, () => {
  let backends: Backend[] = [];
  let ours: RunningProxy;
  let nut: Nutcracker;
  const oursPort: Record<string, number> = {};
  const nutPort: Record<string, number> = {};
  const keys = randomKeys(4242);

  before(async () => {
    backends = await Promise.all([startMemcached(), startMemcached(), startMemcached()]);
    const specs = (): PoolSpec[] =>
      Object.entries(POOLS).map(([name, p]) => ({
        name,
        directives: p.directives,
        servers: backends.map((b, i) => ({ host: b.host, port: b.port, weight: p.weights[i] })),
      }));
    const a = await poolYaml(...specs());
    const b = await poolYaml(...specs());
    ours = await startProxy(a.yaml);
    nut = await startNutcracker(b.yaml);
    Object.assign(oursPort, a.ports);
    Object.assign(nutPort, b.ports);
  });
  after(async () => {
    await ours?.stop();
    await nut?.stop();
    for (const b of backends) b.kill('SIGKILL'); // nothing to save: skip memcached's SIGTERM delay
    await Promise.all(backends.map((b) => b.stop()));
  });

  async function flushAll(): Promise<void> {
    for (const b of backends) assert.deepEqual((await mc.exchange(b.port, 'flush_all\r\n')).map(String), ['OK\r\n']);
  }

  /** Pipelined sets through one proxy, then pipelined single-key gets through the other. */
  async function writeThenRead(writePort: number, readPort: number): Promise<void> {
    await flushAll();
    const w = await connect(writePort);
    w.send(Buffer.concat(keys.map((k, i) => mc.store('set', k, `v${i}`, { flags: i }))));
    const stored = await w.readReplies(keys.length, 'memcache');
    await w.close();
    assert.deepEqual(stored.map(String), keys.map(() => 'STORED\r\n'));
    const r = await connect(readPort);
    r.send(Buffer.concat(keys.map((k) => mc.line('get', k))));
    const got = await r.readReplies(keys.length, 'memcache');
    await r.close();
    const wrong = keys.findIndex((k, i) => !got[i].equals(mc.values(mc.value(k, `v${i}`, i))));
    assert.equal(wrong, -1, wrong < 0 ? '' : `key ${keys[wrong].toString('hex')} (#${wrong}) read back ${JSON.stringify(String(got[wrong]).slice(0, 80))}`);
  }

  /** How many of the keys each backend holds (so a pass is not one server taking everything). */
  async function spread(): Promise<number[]> {
    const request = Buffer.concat(keys.map((k) => mc.line('get', k)));
    return Promise.all(
      backends.map(async (b) => {
        const replies = await mc.exchange(b.port, request, keys.length);
        return replies.filter((r) => r.subarray(0, 6).toString() === 'VALUE ').length;
      }),
    );
  }

  for (const pool of Object.keys(POOLS)) {
    test(`${pool}: ${keys.length} keys written through nutcracker are read through ours, and back`, T, async () => {
      await writeThenRead(nutPort[pool], oursPort[pool]);
      const counts = await spread();
      assert.equal(counts.reduce((a, b) => a + b, 0), keys.length, 'each key is on exactly one backend');
      assert.ok(counts.filter((n) => n > 0).length >= 2, `keys spread over the servers: ${counts}`);
      await writeThenRead(oursPort[pool], nutPort[pool]);
    });
  }
});
