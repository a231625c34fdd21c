// CPU time and resident memory of a proxy, read from Linux /proc, summed over the process and its
// descendants so a proxy running `--workers N` (a primary plus forked workers) is measured whole.
// CPU time is each thread's `se.sum_exec_runtime` (/proc/<pid>/task/<tid>/sched, nanoseconds):
// utime+stime from /proc/<pid>/stat count whole clock ticks (10 ms), too coarse for a scenario
// that costs a proxy 100-200 ms; they remain the fallback for kernels without that file. Parsing is
// kept in pure functions so the tests can feed it captured /proc text.

import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

export interface ProcStat {
  pid: number;
  ppid: number;
  /** utime + stime, in clock ticks. */
  cpuTicks: number;
}

/**
 * One /proc/<pid>/stat line. The command name (field 2) is in parentheses and may itself contain
 * spaces or parentheses, so fields are counted from the last ')': state is field 3, ppid 4, utime 14,
 * stime 15 (proc(5)).
 */
export function parseProcStat(text: string): ProcStat | null {
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  if (open < 0 || close < open) return null;
  const pid = Number(text.slice(0, open).trim());
  const rest = text.slice(close + 1).trim().split(/\s+/);
  // rest[0] is field 3 (state), so field n is rest[n - 3].
  const ppid = Number(rest[4 - 3]);
  const utime = Number(rest[14 - 3]);
  const stime = Number(rest[15 - 3]);
  if (![pid, ppid, utime, stime].every(Number.isFinite)) return null;
  return { pid, ppid, cpuTicks: utime + stime };
}

/**
 * `se.sum_exec_runtime` of a /proc/<pid>/task/<tid>/sched file, in ns. The kernel prints it as
 * milliseconds with six digits of nanoseconds after the point; null if the line is missing.
 */
export function parseSchedRuntimeNs(text: string): number | null {
  const m = /^se\.sum_exec_runtime\s*:\s*(\d+)\.(\d{6})$/m.exec(text);
  return m === null ? null : Number(m[1]) * 1e6 + Number(m[2]);
}

/**
 * The memory lines of /proc/<pid>/status we report. VmRSS is every resident page (the issue's
 * measure); RssAnon only the process's own (heaps, buffers, stacks): RSS also counts the resident
 * pages of the executable and libraries, which every process running them shares.
 */
export type StatusMemoryField = 'VmRSS' | 'RssAnon';

/** The `<field>:   12345 kB` line of /proc/<pid>/status; null for a zombie or kernel thread (no line). */
export function parseStatusKb(text: string, field: StatusMemoryField): number | null {
  const m = new RegExp(`^${field}:\\s+(\\d+)\\s+kB`, 'm').exec(text);
  return m === null ? null : Number(m[1]);
}

function readText(file: string): string | null {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return null;
  }
}

/** Children of `pid` from /proc/<pid>/task/<tid>/children (a forked worker is listed under the thread that forked it). */
function childrenOf(pid: number): number[] | null {
  let tids: string[];
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {
    return [];
  }
  const out: number[] = [];
  for (const tid of tids) {
    const text = readText(`/proc/${pid}/task/${tid}/children`);
    if (text === null) return null; // kernel without CONFIG_PROC_CHILDREN
    for (const child of text.trim().split(/\s+/)) if (child !== '') out.push(Number(child));
  }
  return out;
}

/** The same, by reading every /proc/<pid>/stat: slow (milliseconds), so only the fallback. */
function childrenByScan(): Map<number, number[]> {
  const children = new Map<number, number[]>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const text = readText(`/proc/${name}/stat`);
    const stat = text === null ? null : parseProcStat(text);
    if (stat === null) continue;
    const list = children.get(stat.ppid);
    if (list === undefined) children.set(stat.ppid, [stat.pid]);
    else list.push(stat.pid);
  }
  return children;
}

/**
 * `root` and every live descendant. Called once per measurement, not per sample: even the fast path
 * reads a file per thread, and the idle-connections latency is measured on this same event loop.
 */
export function processTree(root: number): number[] {
  let scanned: Map<number, number[]> | null = null;
  const out: number[] = [];
  const stack = [root];
  while (stack.length > 0) {
    const pid = stack.pop() as number;
    out.push(pid);
    let kids = scanned === null ? childrenOf(pid) : (scanned.get(pid) ?? []);
    if (kids === null) {
      scanned = childrenByScan();
      kids = scanned.get(pid) ?? [];
    }
    stack.push(...kids);
  }
  return out;
}

/**
 * CPU time (user + system) of one process in ns: the sum over its threads' sched files (a thread that
 * exits between listing and reading is skipped), or utime+stime from its stat file where the sched
 * files carry no run time. 0 for a process that has gone.
 */
function processCpuNs(pid: number): number {
  let tids: string[] = [];
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {
    // gone, or no task directory: the stat file decides below
  }
  let ns = 0;
  let read = 0;
  for (const tid of tids) {
    const text = readText(`/proc/${pid}/task/${tid}/sched`);
    if (text === null) continue; // the thread has just exited
    const runtime = parseSchedRuntimeNs(text);
    if (runtime === null) {
      read = 0; // a kernel that prints no run time: use the stat file for the whole process
      break;
    }
    ns += runtime;
    read++;
  }
  if (read > 0) return ns;
  const stat = readText(`/proc/${pid}/stat`);
  const parsed = stat === null ? null : parseProcStat(stat);
  return parsed === null ? 0 : (parsed.cpuTicks / clockTicks()) * 1e9;
}

/** CPU time of `pids` (from processTree()) in ns; processes that have gone count 0. */
export function procCpuNs(pids: readonly number[]): number {
  let ns = 0;
  for (const pid of pids) ns += processCpuNs(pid);
  return ns;
}

export interface MemoryKb {
  rssKb: number;
  anonKb: number;
}

/** VmRSS and RssAnon of `pids` in kB (shared pages are counted once per process, like `ps`); gone processes count 0. */
export function procMemoryKb(pids: readonly number[]): MemoryKb {
  const total = { rssKb: 0, anonKb: 0 };
  for (const pid of pids) {
    const status = readText(`/proc/${pid}/status`);
    if (status === null) continue;
    total.rssKb += parseStatusKb(status, 'VmRSS') ?? 0;
    total.anonKb += parseStatusKb(status, 'RssAnon') ?? 0;
  }
  return total;
}

let ticksPerSecond: number | undefined;

/** `getconf CLK_TCK` (USER_HZ, the unit of stat's utime/stime), asked once; 100 (the Linux value on every common architecture) if unavailable. */
function clockTicks(): number {
  if (ticksPerSecond === undefined) {
    try {
      const n = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
      ticksPerSecond = Number.isInteger(n) && n > 0 ? n : 100;
    } catch {
      ticksPerSecond = 100;
    }
  }
  return ticksPerSecond;
}
