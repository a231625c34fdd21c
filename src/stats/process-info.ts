// Process-level facts for the Prometheus endpoint (the standard `process_*` families): CPU time,
// resident memory, start time, open and maximum file descriptors (from /proc when it exists).
// Collected per scrape, never on the data path; `mergeProcessInfo` sums the workers' values.

import { readFileSync, readdirSync } from 'node:fs';

export interface ProcessInfo {
  /** Unix time the process started, seconds (merge: earliest). */
  startTimeSeconds: number;
  /** User + system CPU time, seconds. */
  cpuSeconds: number;
  residentBytes: number;
  /** Only where /proc exists. */
  virtualBytes?: number;
  openFds?: number;
  maxFds?: number;
}

function procStatVsize(): number | undefined {
  try {
    // Field 23 (vsize) of /proc/self/stat; the command name (field 2) may contain spaces, so count
    // fields after its closing parenthesis.
    const stat = readFileSync('/proc/self/stat', 'latin1');
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const v = Number(rest[20]);
    return Number.isFinite(v) ? v : undefined;
  } catch {
    return undefined;
  }
}

function openFds(): number | undefined {
  try {
    // readdir holds one descriptor on the directory itself while listing it.
    return readdirSync('/proc/self/fd').length - 1;
  } catch {
    return undefined;
  }
}

function maxFds(): number | undefined {
  try {
    const m = /^Max open files\s+(\d+)/m.exec(readFileSync('/proc/self/limits', 'latin1'));
    return m === null ? undefined : Number(m[1]);
  } catch {
    return undefined;
  }
}

/** This process's figures, now. */
export function collectProcessInfo(): ProcessInfo {
  const cpu = process.cpuUsage();
  const info: ProcessInfo = {
    startTimeSeconds: Math.round(Date.now() / 1000 - process.uptime()),
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
    residentBytes: process.memoryUsage.rss(),
  };
  const vsize = procStatVsize();
  if (vsize !== undefined) info.virtualBytes = vsize;
  const open = openFds();
  if (open !== undefined) info.openFds = open;
  const max = maxFds();
  if (max !== undefined) info.maxFds = max;
  return info;
}

/** Several processes as one: sums, except the start time (earliest). Optional fields only if all have them. */
export function mergeProcessInfo(list: readonly ProcessInfo[]): ProcessInfo | null {
  if (list.length === 0) return null;
  const out: ProcessInfo = { startTimeSeconds: Infinity, cpuSeconds: 0, residentBytes: 0 };
  const optional = ['virtualBytes', 'openFds', 'maxFds'] as const;
  for (const p of list) {
    out.startTimeSeconds = Math.min(out.startTimeSeconds, p.startTimeSeconds);
    out.cpuSeconds += p.cpuSeconds;
    out.residentBytes += p.residentBytes;
  }
  for (const k of optional) {
    if (list.every((p) => p[k] !== undefined)) out[k] = list.reduce((a, p) => a + (p[k] as number), 0);
  }
  return out;
}
