// From rounds to the reported medians, ratios and target checks, and the bench's command line.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { RoundResult } from '../../../bench/measure';
import { parseBenchOptions } from '../../../bench/options';
import { formatReport } from '../../../bench/report';
import { SCENARIOS } from '../../../bench/scenarios';
import { median, summarizeScenario } from '../../../bench/summary';

function rounds(variant: string, values: Partial<RoundResult>[]): RoundResult[] {
  return values.map((v, i) => ({ variant, round: i + 1, ...v }));
}

test('median takes the middle value, the mean of the middle two, and ignores missing values', () => {
  assert.equal(median([3, 1, 2]), 2);
  assert.equal(median([4, 1, 3, 2]), 2.5);
  assert.equal(median([undefined, 5, NaN]), 5);
  assert.equal(median([]), undefined);
});

test('ratios use the medians of each variant and failed rounds are left out', () => {
  const all = [
    ...rounds('direct', [{ opsPerSec: 200 }, { opsPerSec: 220 }, { opsPerSec: 210 }]),
    ...rounds('nutcracker', [{ opsPerSec: 100, cpuUsPerReq: 10 }, { opsPerSec: 90, cpuUsPerReq: 12 }, { opsPerSec: 110, cpuUsPerReq: 11 }]),
    ...rounds('ours', [{ opsPerSec: 130, cpuUsPerReq: 9 }, { error: 'boom' }, { opsPerSec: 110, cpuUsPerReq: 13 }]),
  ];
  const s = summarizeScenario({ id: 'x', title: 'X', target: 1.2 }, all);
  assert.equal(s.variants.ours.okRounds, 2);
  assert.deepEqual(s.variants.ours.errors, ['boom']);
  assert.equal(s.variants.ours.opsPerSec, 120);
  assert.equal(s.oursVsNutcracker, 1.2);
  assert.equal(s.oursVsDirect, 120 / 210);
  assert.equal(s.cpuRatio, 1);
  assert.deepEqual(
    s.checks.map((c) => [c.what, c.pass]),
    [
      ['throughput ours/nutcracker', true],
      ['CPU per request ours/nutcracker', true],
    ],
  );
});

test('a missed target fails its check and an unmeasurable one is neither pass nor fail', () => {
  const all = [
    ...rounds('nutcracker', [{ opsPerSec: 100, cpuUsPerReq: 10, rssKb: 20_000 }]),
    ...rounds('ours', [{ opsPerSec: 99, rssKb: 50_000 }]),
  ];
  const s = summarizeScenario({ id: 'x', title: 'X', target: 1.0 }, all);
  assert.deepEqual(
    s.checks.map((c) => [c.what, c.pass]),
    [
      ['throughput ours/nutcracker', false],
      ['CPU per request ours/nutcracker', null],
      ['RSS ours/nutcracker', false],
    ],
  );
});

test('a scenario marked checked: false is summarized with its ratios and no checks', () => {
  const all = [
    ...rounds('nutcracker', [{ opsPerSec: 100, cpuUsPerReq: 10 }]),
    ...rounds('ours', [{ opsPerSec: 80, cpuUsPerReq: 20 }]),
  ];
  const s = summarizeScenario({ id: 'r', title: 'R', target: null, checked: false }, all);
  assert.equal(s.oursVsNutcracker, 0.8);
  assert.equal(s.cpuRatio, 2);
  assert.deepEqual(s.checks, []);
});

test('the report shows one row per scenario, "fail" for a variant with no good round, and the misses', () => {
  const ok = summarizeScenario({ id: 'a', title: 'A scenario', target: 1.0 }, [
    ...rounds('direct', [{ opsPerSec: 3000 }]),
    ...rounds('nutcracker', [{ opsPerSec: 2000, p99Ms: 1.5, cpuUsPerReq: 4 }]),
    ...rounds('ours', [{ opsPerSec: 2500, p99Ms: 1.25, cpuUsPerReq: 5 }]),
  ]);
  const broken = summarizeScenario({ id: 'b', title: 'B scenario', target: 1.0 }, [
    ...rounds('nutcracker', [{ opsPerSec: 10 }]),
    ...rounds('ours', [{ error: 'exited: bye' }]),
  ]);
  const text = formatReport({ header: ['# head'], scenarios: [ok, broken] });
  assert.match(text, /\| A scenario \| 3,000 \| 2,000 \| 2,500 \| 1\.25 \| 0\.83 \| 1\.50 \/ 1\.25 \| 4\.0 \/ 5\.0 \| — \|/);
  assert.match(text, /\| B scenario \| — \| 10 \| fail \| — \|/);
  assert.match(text, /- n\/a +B scenario: throughput ours\/nutcracker — \(target >= 1\.00\)/);
  assert.match(text, /B scenario \/ ours \(1 of 1 rounds failed\): exited: bye/);
});

test('the scaling table compares each worker count with nutcracker and with the first count', () => {
  const s = summarizeScenario({ id: 'p', title: 'P', target: 1.2 }, [
    ...rounds('nutcracker', [{ opsPerSec: 100 }]),
    ...rounds('ours', [{ opsPerSec: 150 }]),
    ...rounds('ours-w2', [{ opsPerSec: 240 }]),
  ]);
  const text = formatReport({
    header: [],
    scenarios: [],
    scaling: { summary: s, workers: [{ workers: 1, variant: 'ours' }, { workers: 2, variant: 'ours-w2' }] },
  });
  assert.match(text, /\| 1 \| 150 \| 1\.50 \| 1\.00 \|/);
  assert.match(text, /\| 2 \| 240 \| 2\.40 \| 1\.60 \|/);
});

test('bench options: defaults, --quick with one round, explicit values and errors', () => {
  assert.deepEqual(parseBenchOptions([]), { rounds: 3, quick: false, workers: 1, scaling: false, out: null, only: [], help: false });
  assert.equal((parseBenchOptions(['--quick']) as { rounds: number }).rounds, 1);
  assert.deepEqual(parseBenchOptions(['--quick', '--rounds=2', '--workers', '2', '--scaling', '--out', 'r.json', '--only', 'redis-get,idle-1000']), {
    rounds: 2,
    quick: true,
    workers: 2,
    scaling: true,
    out: 'r.json',
    only: ['redis-get', 'idle-1000'],
    help: false,
  });
  for (const bad of [['--rounds', '0'], ['--rounds'], ['--workers', 'x'], ['--only', 'nope'], ['--frobnicate'], ['--quick=1']]) {
    assert.ok('error' in parseBenchOptions(bad), bad.join(' '));
  }
});

test('scenario ids are unique and the issue\'s throughput targets are in the table', () => {
  const ids = SCENARIOS.map((s) => s.id);
  assert.equal(new Set(ids).size, ids.length);
  const target = (id: string): number | null | undefined => SCENARIOS.find((s) => s.id === id)?.target;
  assert.equal(target('redis-get-p16'), 1.2);
  assert.equal(target('redis-set-p16'), 1.2);
  assert.equal(target('redis-mget10'), 1.2);
  assert.equal(target('redis-get'), 1.0);
  assert.equal(target('memcache-mget10'), 1.0);
});
