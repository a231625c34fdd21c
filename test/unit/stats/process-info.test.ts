import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { collectProcessInfo, mergeProcessInfo } from '../../../src/stats/process-info';

test('this process reports plausible CPU, memory and start time', () => {
  const p = collectProcessInfo();
  assert.ok(p.cpuSeconds > 0);
  assert.ok(p.residentBytes > 1_000_000);
  const now = Date.now() / 1000;
  assert.ok(p.startTimeSeconds <= now + 1 && p.startTimeSeconds > now - 3600);
});

test('file descriptor counts come from /proc when it exists', { skip: !existsSync('/proc/self/fd') }, () => {
  const p = collectProcessInfo();
  assert.ok(p.openFds !== undefined && p.openFds >= 3);
  assert.ok(p.maxFds !== undefined && p.maxFds >= p.openFds);
  assert.ok(p.virtualBytes !== undefined && p.virtualBytes >= p.residentBytes);
});

test('merging sums usage, keeps the earliest start, and optional fields only when all have them', () => {
  const m = mergeProcessInfo([
    { startTimeSeconds: 20, cpuSeconds: 1.5, residentBytes: 100, openFds: 10, maxFds: 1000 },
    { startTimeSeconds: 10, cpuSeconds: 2, residentBytes: 50, openFds: 5 },
  ]);
  assert.deepEqual(m, { startTimeSeconds: 10, cpuSeconds: 3.5, residentBytes: 150, openFds: 15 });
  assert.equal(mergeProcessInfo([]), null);
});
