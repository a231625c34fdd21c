// redis-benchmark --csv parsing, on output captured from redis-benchmark 7.0.15 (samples.ts), plus the
// header-less two-column format of versions before 6.2 and the noise a run can leave on stdout.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseRedisBenchmarkCsv } from '../../../bench/redis-benchmark-csv';
import {
  REDIS_BENCHMARK_DIRECT_MGET3,
  REDIS_BENCHMARK_DIRECT_P16,
  REDIS_BENCHMARK_DIRECT_SET_16K,
  REDIS_BENCHMARK_DIRECT_SET_GET,
  REDIS_BENCHMARK_NUTCRACKER_MGET10,
  REDIS_BENCHMARK_NUTCRACKER_STDERR,
} from './samples';

test('a get,set run yields one row per test, in order, with every latency column', () => {
  assert.deepEqual(parseRedisBenchmarkCsv(REDIS_BENCHMARK_DIRECT_SET_GET), [
    { test: 'SET', rps: 102040.82, avgMs: 0.258, minMs: 0.072, p50Ms: 0.239, p95Ms: 0.359, p99Ms: 0.639, maxMs: 1.559 },
    { test: 'GET', rps: 109289.62, avgMs: 0.238, minMs: 0.064, p50Ms: 0.231, p95Ms: 0.287, p99Ms: 0.479, maxMs: 1.567 },
  ]);
});

test('pipelined and 16 KiB runs parse the same way (rps above a million included)', () => {
  const p16 = parseRedisBenchmarkCsv(REDIS_BENCHMARK_DIRECT_P16);
  assert.deepEqual(
    p16.map((r) => [r.test, r.rps, r.p99Ms]),
    [
      ['SET', 980392.19, 2.103],
      ['GET', 1282051.25, 0.799],
    ],
  );
  const big = parseRedisBenchmarkCsv(REDIS_BENCHMARK_DIRECT_SET_16K);
  assert.equal(big.length, 1);
  assert.equal(big[0].rps, 37878.79);
  assert.equal(big[0].p50Ms, 0.759);
});

test('a custom command keeps its whole command line, spaces included, as the test name', () => {
  const [row] = parseRedisBenchmarkCsv(REDIS_BENCHMARK_NUTCRACKER_MGET10);
  assert.equal(row.test, ['mget', ...Array.from({ length: 10 }, () => 'key:__rand_int__')].join(' '));
  assert.equal(row.rps, 20746.89);
  assert.equal(row.p99Ms, 7.159);
  assert.equal(parseRedisBenchmarkCsv(REDIS_BENCHMARK_DIRECT_MGET3)[0].rps, 103626.94);
});

test('the header-less format of redis-benchmark before 6.2 gives rps without latencies', () => {
  // Shape of the older --csv output (no header row, two columns); redis-benchmark 7 cannot print it.
  const rows = parseRedisBenchmarkCsv('"SET","94786.73"\n"GET","73691.97"\n');
  assert.deepEqual(rows, [
    { test: 'SET', rps: 94786.73 },
    { test: 'GET', rps: 73691.97 },
  ]);
});

test('lines that are not quoted CSV rows, and stderr text, yield nothing', () => {
  assert.deepEqual(parseRedisBenchmarkCsv(REDIS_BENCHMARK_NUTCRACKER_STDERR), []);
  assert.deepEqual(parseRedisBenchmarkCsv(''), []);
  const noisy = `Could not connect to Redis at 127.0.0.1:1: Connection refused\r\n${REDIS_BENCHMARK_DIRECT_SET_16K.replace(/\n/g, '\r\n')}"SET"\n"x","not a number"\n`;
  assert.deepEqual(
    parseRedisBenchmarkCsv(noisy).map((r) => r.rps),
    [37878.79],
  );
});

test('quoted commas and doubled quotes inside a test name are kept', () => {
  const [row] = parseRedisBenchmarkCsv('"test","rps"\n"eval ""a,b"" 0","123.5"\n');
  assert.deepEqual(row, { test: 'eval "a,b" 0', rps: 123.5 });
});
