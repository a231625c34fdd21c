// Long pipelines through our proxy to three memcached servers, checked against one memcached spoken
// to directly: a seeded stream of 10,000 mixed requests (every storage command, incr/decr, touch,
// delete, single and multi-key get/gat, noreply variants, binary values) must get exactly the replies
// a single memcached gives, in order — sharding must be invisible to a client that uses keys only.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startMemcached, type Backend } from '../../helpers/backends';
import { preview } from '../../helpers/frame-length';
import { connect } from '../../helpers/wire';
import { startMemcacheCluster, type MemcacheCluster } from './memcache-cluster';
import { memcacheWire as mc } from './memcache-wire';

const T = { timeout: 60_000 };
let cluster: MemcacheCluster;
let reference: Backend;

before(async () => {
  [cluster, reference] = await Promise.all([startMemcacheCluster({ directives: { hash: 'md5' } }), startMemcached()]);
});
after(async () => {
  await cluster?.stop();
  await reference?.stop();
});

interface Stream {
  bytes: Buffer;
  /** A short description of each request that expects a reply, in order. */
  answered: string[];
}

/**
 * `n` requests over `prefix`-ed keys: blobs (random binary values) and counters (numbers). Requests a
 * memcached would answer even with noreply (errors) are never sent with noreply, so the stream means
 * the same to a proxy that expects no reply for them.
 */
function mixedStream(n: number, seed: number, prefix: string): Stream {
  const rnd = mc.prng(seed);
  const pick = <X>(xs: readonly X[]): X => xs[Math.floor(rnd() * xs.length)];
  const int = (max: number): number => Math.floor(rnd() * max);
  const blobs = Array.from({ length: 100 }, (_, i) => `${prefix}b:${i}`);
  const counters = Array.from({ length: 40 }, (_, i) => `${prefix}n:${i}`);
  const all = [...blobs, ...counters];
  const parts: Buffer[] = [];
  const answered: string[] = [];
  const push = (request: Buffer, noreply: boolean): void => {
    parts.push(request);
    if (!noreply) answered.push(preview(request, 80));
  };
  for (let i = 0; i < n; i++) {
    const noreply = rnd() < 0.2;
    const r = rnd();
    const value = (): Buffer => mc.randomBytes(rnd, rnd() < 0.05 ? 2000 + int(6000) : int(200));
    if (r < 0.15) push(mc.store('set', pick(blobs), value(), { flags: int(65536), noreply }), noreply);
    else if (r < 0.3) push(mc.store(pick(['add', 'replace', 'append', 'prepend']), pick(blobs), value(), { noreply }), noreply);
    else if (r < 0.35) push(mc.store('set', pick(counters), String(int(1_000_000)), { noreply }), noreply);
    else if (r < 0.45) push(mc.line(pick(['incr', 'decr']), pick(counters), int(1000), ...(noreply ? ['noreply'] : [])), noreply);
    else if (r < 0.47) push(mc.line('incr', pick(blobs), 1), false); // non-numeric: CLIENT_ERROR from memcached
    else if (r < 0.54) push(mc.line('delete', pick(all), ...(noreply ? ['noreply'] : [])), noreply);
    else if (r < 0.58) push(mc.line('touch', pick(all), pick([0, 1000, -1]), ...(noreply ? ['noreply'] : [])), noreply);
    else if (r < 0.78) push(mc.line('get', pick(all)), false);
    else if (r < 0.93) push(mc.line('get', ...Array.from({ length: 2 + int(6) }, () => pick(all))), false);
    else if (r < 0.97) push(mc.line('gat', pick([0, 1000]), ...Array.from({ length: 1 + int(4) }, () => pick(all))), false);
    else if (r < 0.98) push(mc.line('version'), false);
    else push(mc.line('get', `${prefix}never:${i}`), false);
  }
  return { bytes: Buffer.concat(parts), answered };
}

async function replies(port: number, stream: Stream): Promise<Buffer[]> {
  const c = await connect(port);
  try {
    c.send(stream.bytes);
    const got = await c.readReplies(stream.answered.length, 'memcache', 30_000);
    // Nothing beyond: a reply to a noreply request would show up here (or shift everything above).
    c.send('version\r\n');
    await c.readReply('memcache');
    assert.equal(c.pending.length, 0);
    return got;
  } finally {
    await c.close();
  }
}

function assertSameReplies(ours: Buffer[], direct: Buffer[], stream: Stream): void {
  assert.equal(ours.length, direct.length);
  const at = ours.findIndex((r, i) => !r.equals(direct[i]));
  assert.equal(at, -1, at < 0 ? '' : `reply ${at} to ${stream.answered[at]}: ours ${preview(ours[at], 120)}, memcached ${preview(direct[at], 120)}`);
}

test('10,000 pipelined mixed requests get the same replies through the proxy as from one memcached', T, async () => {
  const stream = mixedStream(10_000, 2024, 'p1:');
  assert.ok(stream.answered.length > 7000 && stream.answered.length < 10_000, 'a mix of answered and noreply requests');
  const direct = await replies(reference.port, stream);
  const ours = await replies(cluster.port, stream);
  assertSameReplies(ours, direct, stream);
  const values = direct.filter((r) => r.subarray(0, 6).toString() === 'VALUE ').length;
  assert.ok(values > 1000, `the stream reads back many stored values (${values})`);
  const keys = Array.from({ length: 100 }, (_, i) => `p1:b:${i}`);
  assert.equal(new Set((await cluster.holders(keys)).filter((h) => h >= 0)).size, 3, 'all three servers took part');
});

test('four clients pipelining 2,500 mixed requests each at the same time each get their own replies', T, async () => {
  const streams = [1, 2, 3, 4].map((c) => mixedStream(2500, 7000 + c, `p2:${c}:`));
  const direct = await Promise.all(streams.map((s) => replies(reference.port, s)));
  const ours = await Promise.all(streams.map((s) => replies(cluster.port, s)));
  streams.forEach((s, i) => assertSameReplies(ours[i], direct[i], s));
});
