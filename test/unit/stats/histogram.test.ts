import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Histogram, HISTOGRAM_BOUNDS_US, HISTOGRAM_BUCKETS, emptyHistogramData } from '../../../src/stats/histogram';

test('bucket bounds ascend strictly and are followed by one +Inf bucket', () => {
  for (let i = 1; i < HISTOGRAM_BOUNDS_US.length; i++) assert.ok(HISTOGRAM_BOUNDS_US[i] > HISTOGRAM_BOUNDS_US[i - 1]);
  assert.equal(HISTOGRAM_BUCKETS, HISTOGRAM_BOUNDS_US.length + 1);
  assert.equal(new Histogram().counts.length, HISTOGRAM_BUCKETS);
});

test('a value equal to a bound falls in that bound\'s bucket, just above it in the next', () => {
  HISTOGRAM_BOUNDS_US.forEach((bound, i) => {
    const h = new Histogram();
    h.observe(bound);
    h.observe(bound + 0.5);
    assert.equal(h.counts[i], 1, `value ${bound}`);
    assert.equal(h.counts[i + 1], 1, `value ${bound + 0.5}`);
  });
});

test('values beyond the last bound land in the +Inf bucket', () => {
  const h = new Histogram();
  h.observe(10_000_001);
  h.observe(1e12);
  assert.equal(h.counts[HISTOGRAM_BUCKETS - 1], 2);
});

test('negative and NaN durations count as zero in the first bucket', () => {
  const h = new Histogram();
  h.observe(-5);
  h.observe(NaN);
  assert.equal(h.counts[0], 2);
  assert.equal(h.sum, 0);
  assert.equal(h.count, 2);
});

test('sum and count follow the observations; bucket counts add up to count', () => {
  const h = new Histogram();
  const xs = [1, 75, 75, 300, 4_000, 2_000_000, 99_999_999];
  for (const x of xs) h.observe(x);
  assert.equal(h.count, xs.length);
  assert.equal(h.sum, xs.reduce((a, b) => a + b, 0));
  assert.equal(h.counts.reduce((a, b) => a + b, 0), h.count);
  assert.deepEqual(Array.from(h.counts.slice(0, 3)), [1, 2, 0]);
});

test('toJSON is plain data that survives structuredClone and rebuilds the same histogram', () => {
  const h = new Histogram();
  for (const x of [10, 700, 30_000]) h.observe(x);
  const data = structuredClone(h.toJSON());
  assert.ok(Array.isArray(data.counts));
  assert.deepEqual(Histogram.from(data).toJSON(), h.toJSON());
});

test('addFrom sums bucket by bucket, from live or plain histograms', () => {
  const a = new Histogram();
  const b = new Histogram();
  a.observe(60);
  b.observe(60);
  b.observe(3_000_000);
  const sum = new Histogram().addFrom(a).addFrom(b.toJSON());
  assert.equal(sum.count, 3);
  assert.equal(sum.sum, 3_000_120);
  assert.equal(sum.counts[1], 2);
  assert.equal(sum.counts[HISTOGRAM_BOUNDS_US.indexOf(5_000_000)], 1);
});

test('addFrom rejects a histogram with a different bucket layout', () => {
  assert.throws(() => new Histogram().addFrom({ counts: [1, 2, 3], sum: 0, count: 6 }), RangeError);
});

test('reset and emptyHistogramData give all-zero histograms', () => {
  const h = new Histogram();
  h.observe(1);
  h.reset();
  assert.deepEqual(h.toJSON(), emptyHistogramData());
  assert.equal(emptyHistogramData().counts.length, HISTOGRAM_BUCKETS);
});
