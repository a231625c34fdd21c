// Child processes spawned by the test helpers (redis-server, memcached, nutcracker). Every child is
// tracked so none outlives the test file: leftovers get SIGKILL when the process exits or is
// interrupted (SIGINT/SIGTERM from the test runner). Also the polling primitives the spawners share:
// "wait until this probe succeeds, or fail early if the child died", "does this port accept", "wait
// until these ports listen", and temporary directories removed however a test ends.

import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants as fsConstants, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';

/** Keep only the tail of a child's output: enough to explain a failure, bounded for chatty servers. */
const OUTPUT_CAP = 64 * 1024;

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface Spawned {
  readonly child: ChildProcess;
  readonly pid: number;
  /** Resolves once the process has exited (or failed to start). Never rejects. */
  readonly exited: Promise<Exit>;
  isRunning(): boolean;
  /** Tail of stdout + stderr, and the spawn error if there was one. */
  output(): string;
}

const live = new Set<ChildProcess>();
const tempDirs = new Set<string>();
let hooksInstalled = false;

function killLeftovers(): void {
  for (const child of live) {
    try {
      child.kill('SIGKILL');
    } catch {
      // already gone
    }
  }
  live.clear();
  for (const dir of tempDirs) removeTempDir(dir);
}

function onSignal(signal: NodeJS.Signals): void {
  killLeftovers();
  // Re-raise so the process still dies the way the sender intended, unless someone else handles it.
  process.removeListener(signal, onSignal);
  if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
}

function installHooks(): void {
  if (hooksInstalled) return;
  hooksInstalled = true;
  process.on('exit', killLeftovers);
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
}

/** A fresh directory under os.tmpdir(), removed by removeTempDir() or, failing that, at exit. */
export function makeTempDir(prefix: string): string {
  installHooks();
  const dir = mkdtempSync(join(tmpdir(), `twemproxy-ts-${prefix}-`));
  tempDirs.add(dir);
  return dir;
}

export function removeTempDir(dir: string): void {
  tempDirs.delete(dir);
  rmSync(dir, { recursive: true, force: true });
}

/** Run `fn` (synchronous) with a fresh temporary directory, removed afterwards whatever happens. */
export function withTempDir<T>(prefix: string, fn: (dir: string) => T): T {
  const dir = makeTempDir(prefix);
  try {
    return fn(dir);
  } finally {
    removeTempDir(dir);
  }
}

/** A file's text, or '' while it does not exist (yet): for logs and pid files a process writes. */
export function readOrEmpty(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

/** A process's log file (empty while it does not exist yet) followed by what the process printed. */
export function logWithOutput(logFile: string, proc: Spawned): string {
  return readOrEmpty(logFile) + proc.output();
}

/** Spawn a child whose output is captured and whose life is tracked. */
export function spawnTracked(command: string, args: readonly string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Spawned {
  installHooks();
  const child = spawn(command, args as string[], { cwd: opts.cwd, env: opts.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const append = (chunk: Buffer | string): void => {
    out += chunk.toString();
    if (out.length > OUTPUT_CAP) out = out.slice(out.length - OUTPUT_CAP);
  };
  child.stdout?.on('data', append);
  child.stderr?.on('data', append);
  live.add(child);
  let running = true;
  const exited = new Promise<Exit>((resolve) => {
    child.once('error', (err) => {
      append(`\n[spawn ${command} failed: ${err.message}]\n`);
      running = false;
      live.delete(child);
      resolve({ code: null, signal: null });
    });
    child.once('exit', (code, signal) => {
      running = false;
      live.delete(child);
      resolve({ code, signal });
    });
  });
  return {
    child,
    pid: child.pid ?? -1,
    exited,
    isRunning: () => running,
    output: () => out,
  };
}

/** SIGTERM, then SIGKILL if the process is still there after `graceMs`. Resolves once it has exited. */
export async function stopProcess(p: Spawned, graceMs = 2000): Promise<Exit> {
  if (!p.isRunning()) return p.exited;
  p.child.kill('SIGTERM');
  // A process stopped with SIGSTOP (a "hung server" test) only acts on SIGTERM once continued.
  p.child.kill('SIGCONT');
  const timer = setTimeout(() => {
    if (p.isRunning()) p.child.kill('SIGKILL');
  }, graceMs);
  const exit = await p.exited;
  clearTimeout(timer);
  return exit;
}

/**
 * True if `pid` is a running process. A zombie (exited, not yet reaped: our children are reaped by
 * their parent, orphans by whatever init the container has) counts as gone.
 */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return true; // no /proc: kill(0) is all we know
  }
}

export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Poll `probe` until it returns a value other than undefined. Fails with a message naming `what` when
 * `timeoutMs` passes, or at once when `failFast` returns a reason (e.g. the child process died).
 */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  opts: { timeoutMs?: number; intervalMs?: number; failFast?: () => string | undefined } = {},
): Promise<T> {
  const deadline = Date.now() + (opts.timeoutMs ?? 10_000);
  for (;;) {
    const early = opts.failFast?.();
    if (early !== undefined) throw new Error(`${what}: ${early}`);
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what}: timed out after ${opts.timeoutMs ?? 10_000} ms`);
    await delay(opts.intervalMs ?? 25);
  }
}

export type Target = { host: string; port: number } | { path: string };

function open(target: Target): Socket {
  return 'path' in target ? connect({ path: target.path }) : connect({ host: target.host, port: target.port });
}

/** True if a TCP (or Unix socket) connection to `target` is accepted; the connection is closed at once. */
export function accepts(target: Target, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = open(target);
    const done = (ok: boolean): void => {
      sock.destroy();
      resolve(ok);
    };
    sock.setTimeout(timeoutMs, () => done(false));
    sock.once('connect', () => done(true));
    sock.once('error', () => done(false));
  });
}

/** /proc/net socket states and flags (include/net/tcp_states.h, __SO_ACCEPTCON). */
const TCP_LISTEN = '0A';
const UNIX_ACCEPTCON = 0x10000;

function procLines(file: string): string[] | null {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(1);
  } catch {
    return null;
  }
}

/**
 * True if some socket is listening on `target`, found without connecting (Linux /proc/net), so probing
 * a proxy does not add a client connection to the stats the test is about to compare. Falls back to
 * accepts() where /proc is not available.
 */
export async function listening(target: Target): Promise<boolean> {
  if ('path' in target) {
    const lines = procLines('/proc/net/unix');
    if (lines === null) return accepts(target);
    return lines.some((line) => {
      const f = line.trim().split(/\s+/);
      return f[7] === target.path && (parseInt(f[3], 16) & UNIX_ACCEPTCON) !== 0;
    });
  }
  const v4 = procLines('/proc/net/tcp');
  if (v4 === null) return accepts(target);
  const port = target.port.toString(16).toUpperCase().padStart(4, '0');
  return [...v4, ...(procLines('/proc/net/tcp6') ?? [])].some((line) => {
    const f = line.trim().split(/\s+/);
    return f[1]?.endsWith(`:${port}`) === true && f[3] === TCP_LISTEN;
  });
}

/**
 * Wait until every target listens (see listening()), `what` naming the process in messages; with
 * `failFast` (e.g. "the process exited") waiting stops at once, as in waitFor().
 */
export async function waitListening(
  what: string,
  targets: readonly Target[],
  opts: { timeoutMs?: number; failFast?: () => string | undefined } = {},
): Promise<void> {
  for (const target of targets) {
    const where = 'path' in target ? target.path : `${target.host}:${target.port}`;
    await waitFor(`${what} listening on ${where}`, async () => ((await listening(target)) ? true : undefined), opts);
  }
}

/**
 * Send `request` and resolve with everything read until the data ends in CRLF (one short reply such as
 * `+PONG` or `VERSION 1.6`), or undefined if the connection fails, closes or times out.
 */
export function probeReply(target: Target, request: string, timeoutMs = 1000): Promise<string | undefined> {
  return new Promise((resolve) => {
    const sock = open(target);
    let got = '';
    const done = (value: string | undefined): void => {
      sock.destroy();
      resolve(value);
    };
    sock.setTimeout(timeoutMs, () => done(undefined));
    sock.once('connect', () => sock.write(request));
    sock.on('data', (chunk) => {
      got += chunk.toString('latin1');
      if (got.endsWith('\r\n')) done(got);
    });
    sock.once('error', () => done(undefined));
    sock.once('close', () => done(undefined));
  });
}

/** Standard sbin directories: Debian installs nutcracker in /usr/sbin, which many users' PATH omits. */
const SBIN_FALLBACK = ['/usr/local/sbin', '/usr/sbin', '/sbin'] as const;

/** Absolute path of an executable found on PATH (then in the sbin directories), or null. */
export function findBinary(name: string): string | null {
  const dirs = [...(process.env.PATH ?? '').split(delimiter).filter(Boolean), ...SBIN_FALLBACK];
  for (const dir of dirs) {
    const candidate = join(dir, name);
    try {
      accessSync(candidate, fsConstants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return null;
}
