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
import { mixedStream, type MixedStream as Stream } from './mixed-stream';

const T = { timeout: 60_000 };
let cluster: MemcacheCluster;
let reference: Backend;

before(async () => {
  [cluster, reference] = await Promise.all([startMemcacheCluster({ directives: { hash: 'md5' } }), startMemcached()]);
});
after(async () => {
  await cluster?.stop();
  reference?.kill('SIGKILL'); // a cache with nothing to save: skip memcached's one-second SIGTERM wait
  await reference?.stop();
});

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
