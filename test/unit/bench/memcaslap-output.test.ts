// memcaslap output parsing on captured runs (samples.ts): the closing Run time line, the Total
// Statistics block and its log2 histogram, multi-get event counting, and a run that never connected.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { log2Percentile, parseMemcaslapOutput } from '../../../bench/memcaslap-output';
import {
  MEMCASLAP_DIRECT_GETSET,
  MEMCASLAP_DIRECT_GETSET_NO_STATS,
  MEMCASLAP_DIRECT_MGET10,
  MEMCASLAP_NUTCRACKER_GETSET,
  MEMCASLAP_REFUSED,
} from './samples';

test('a run with -S reports events, per-second rate and latency from the Total Statistics block', () => {
  const r = parseMemcaslapOutput(MEMCASLAP_DIRECT_GETSET);
  assert.ok(r !== null);
  assert.equal(r.runTimeS, 3);
  assert.equal(r.ops, 362438);
  assert.equal(r.tps, 120799);
  assert.equal(r.requests, 362388);
  assert.equal(r.requestsPerSec, 362388 / 3);
  assert.equal(r.cmdGet, 326174);
  assert.equal(r.cmdSet, 36264);
  assert.equal(r.getMisses, 0);
  assert.ok(r.latency !== undefined);
  assert.equal(r.latency.events, 362388);
  assert.deepEqual([r.latency.minUs, r.latency.maxUs, r.latency.avgUs], [12, 7663, 413]);
  // Cumulative counts put the median in bucket 8 (128, 256] us and the 99th percentile in bucket 12 (2048, 4096].
  assert.ok(r.latency.p50Us > 128 && r.latency.p50Us <= 256, `p50 ${r.latency.p50Us}`);
  assert.ok(r.latency.p99Us > 2048 && r.latency.p99Us <= 4096, `p99 ${r.latency.p99Us}`);
  assert.ok(Math.abs(r.latency.p99Us - (2048 + ((0.99 * 362388 - 354178) / 6605) * 2048)) < 1e-6);
});

test('a 10-key multi-get counts one request per command while Ops counts keys', () => {
  const r = parseMemcaslapOutput(MEMCASLAP_DIRECT_MGET10);
  assert.ok(r !== null);
  assert.equal(r.requests, 255717);
  assert.equal(r.ops, 1345910);
  assert.equal(r.cmdGet, 1211270);
  assert.ok(r.requests < r.ops);
  assert.ok(r.latency !== undefined);
  // Its histogram reaches bucket 17 (the 70 ms maximum); p99 still lands in bucket 12 (2048, 4096].
  assert.ok(r.latency.p99Us > 2048 && r.latency.p99Us <= 4096, `p99 ${r.latency.p99Us}`);
});

test('through nutcracker the same fields are read', () => {
  const r = parseMemcaslapOutput(MEMCASLAP_NUTCRACKER_GETSET);
  assert.ok(r !== null);
  assert.equal(r.requests, 235813);
  assert.equal(r.tps, 78609);
  assert.ok(r.latency !== undefined);
  assert.equal(r.latency.minUs, 46);
  assert.equal(r.latency.maxUs, 10263);
  // Only 231,723 of the 235,813 events (98.3%) took at most 1024 us: p99 is in bucket 11 (1024, 2048].
  assert.ok(r.latency.p99Us > 1024 && r.latency.p99Us <= 2048, `p99 ${r.latency.p99Us}`);
});

test('without -S there is no latency and requests fall back to Ops', () => {
  const r = parseMemcaslapOutput(MEMCASLAP_DIRECT_GETSET_NO_STATS);
  assert.ok(r !== null);
  assert.equal(r.latency, undefined);
  assert.equal(r.requests, 368421);
  assert.equal(r.requestsPerSec, 368421 / 3);
});

test('a run that never connected (no Run time line) is null', () => {
  assert.equal(parseMemcaslapOutput(MEMCASLAP_REFUSED), null);
  assert.equal(parseMemcaslapOutput(''), null);
});

test('a truncated statistics block gives no latency rather than a wrong one', () => {
  const cut = MEMCASLAP_DIRECT_GETSET.replace(/Total Statistics \(\d+ events\)\n {3}Min:[^\n]*\n/, 'Total Statistics (362388 events)\n');
  const r = parseMemcaslapOutput(cut);
  assert.ok(r !== null);
  assert.equal(r.latency, undefined);
});

test('log2Percentile interpolates inside the (2^(i-1), 2^i] bucket and clamps to min/max', () => {
  const buckets = [0, 0, 0, 0, 10, 10]; // 10 events in (8, 16], 10 in (16, 32]
  assert.equal(log2Percentile(buckets, 0.5, 9, 30), 16);
  assert.equal(log2Percentile(buckets, 0.75, 9, 30), 24);
  assert.equal(log2Percentile(buckets, 1, 9, 30), 30); // 32 clamped to the observed max
  assert.equal(log2Percentile(buckets, 0.01, 9, 30), 9); // 8.8 clamped to the observed min
  assert.equal(log2Percentile([], 0.99, 0, 0), 0);
});
