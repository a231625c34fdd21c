// /proc parsing on captured nutcracker stat/status text, odd command names, and the live process tree:
// a child this test spawns must be found under this process and disappear from it once it exits.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { parseProcStat, parseSchedRuntimeNs, parseStatusKb, processTree, procCpuNs, procMemoryKb } from '../../../bench/proc-sample';
import { PROC_STATUS_NUTCRACKER, PROC_STAT_NUTCRACKER } from './samples';

test('a nutcracker stat line gives pid, ppid and utime+stime', () => {
  // utime is field 14 (8 ticks), stime field 15 (13 ticks).
  assert.deepEqual(parseProcStat(PROC_STAT_NUTCRACKER), { pid: 22523, ppid: 1, cpuTicks: 21 });
});

test('a command name with spaces and parentheses does not shift the fields', () => {
  const fields = PROC_STAT_NUTCRACKER.slice(PROC_STAT_NUTCRACKER.lastIndexOf(')') + 1);
  assert.deepEqual(parseProcStat(`77 (a (b) c)${fields}`), { pid: 77, ppid: 1, cpuTicks: 21 });
});

test('text that is not a stat line is rejected', () => {
  assert.equal(parseProcStat(''), null);
  assert.equal(parseProcStat('12 nutcracker S 1'), null);
  assert.equal(parseProcStat('12 (x) S'), null);
});

test('VmRSS and RssAnon are read in kB from a status file, and are absent for processes without memory', () => {
  assert.equal(parseStatusKb(PROC_STATUS_NUTCRACKER, 'VmRSS'), 4440);
  assert.equal(parseStatusKb(PROC_STATUS_NUTCRACKER, 'RssAnon'), 2600);
  assert.equal(parseStatusKb('Name:\tkthreadd\nState:\tS (sleeping)\n', 'VmRSS'), null);
  assert.equal(parseStatusKb('Name:\tkthreadd\nState:\tS (sleeping)\n', 'RssAnon'), null);
});

test('a thread sched file gives its run time in ns (milliseconds and six digits of ns)', () => {
  const sched = [
    'node (4242, #threads: 7)',
    '-------------------------------------------------------------------',
    'se.exec_start                                :      25442808.647420',
    'se.vruntime                                  :        348756.767886',
    'se.sum_exec_runtime                          :          1234.000517',
    'se.nr_migrations                             :                    0',
  ].join('\n');
  assert.equal(parseSchedRuntimeNs(sched), 1_234_000_517);
  assert.equal(parseSchedRuntimeNs('se.vruntime : 1.000000\n'), null);
});

test('processTree finds a spawned child under this process, and procMemoryKb reads this process', { skip: process.platform !== 'linux' }, async () => {
  const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
  try {
    await once(child, 'spawn');
    const tree = processTree(process.pid);
    assert.equal(tree[0], process.pid);
    assert.ok(tree.includes(child.pid as number), `tree ${tree.join(',')} lacks ${child.pid}`);
    const self = procMemoryKb([process.pid]);
    assert.ok(self.anonKb > 0 && self.rssKb > self.anonKb, `rss ${self.rssKb} kB, anon ${self.anonKb} kB`);
    const all = procMemoryKb(tree);
    assert.ok(all.rssKb > self.rssKb && all.anonKb > self.anonKb);
  } finally {
    child.kill('SIGKILL');
    await once(child, 'exit');
  }
  assert.ok(!processTree(process.pid).includes(child.pid as number));
});

test('procCpuNs agrees with getrusage on this process, below clock-tick resolution', { skip: process.platform !== 'linux' }, () => {
  const usage = (): number => {
    const u = process.cpuUsage();
    return (u.user + u.system) * 1e3;
  };
  const ours0 = procCpuNs([process.pid]);
  const rusage0 = usage();
  while (usage() - rusage0 < 30e6) {
    // spin: 30 ms of CPU time
  }
  const ours = procCpuNs([process.pid]) - ours0;
  const rusage = usage() - rusage0;
  // Both count every thread of the process; what separates them is the work between the reads.
  assert.ok(Math.abs(ours - rusage) < 5e6, `/proc ${ours} ns, getrusage ${rusage} ns`);
});

test('procCpuNs and procMemoryKb skip processes that do not exist', () => {
  // pid_max is at most 2^22 on Linux, so this pid cannot exist.
  assert.equal(procCpuNs([2 ** 23]), 0);
  assert.deepEqual(procMemoryKb([2 ** 23]), { rssKb: 0, anonKb: 0 });
});
