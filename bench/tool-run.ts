// Runs one load-generator process (redis-benchmark, memcaslap) to completion with a deadline: stdout
// and stderr are kept apart (redis-benchmark prints CSV on stdout and warnings on stderr, and mixing
// them can glue a warning onto a CSV row). redis-benchmark retries a refused connection forever, so
// the deadline is what turns a dead proxy into a reported failure instead of a hung bench.

import { spawn, type ChildProcess } from 'node:child_process';

export interface ToolResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

/** Children still running, killed if the bench itself exits or is interrupted. */
const running = new Set<ChildProcess>();
let hooked = false;

function killRunning(): void {
  for (const child of running) child.kill('SIGKILL');
  running.clear();
}

function hookExit(): void {
  if (hooked) return;
  hooked = true;
  process.on('exit', killRunning);
}

/** Run `command args`; after `timeoutMs` the process gets SIGKILL and the result says timedOut. */
export function runTool(command: string, args: readonly string[], timeoutMs: number): Promise<ToolResult> {
  hookExit();
  return new Promise((resolve) => {
    const child = spawn(command, args as string[], { stdio: ['ignore', 'pipe', 'pipe'] });
    running.add(child);
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => err.push(chunk));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    const finish = (code: number | null, signal: NodeJS.Signals | null, extra = ''): void => {
      clearTimeout(timer);
      running.delete(child);
      resolve({
        code,
        signal,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8') + extra,
        timedOut,
      });
    };
    child.once('error', (e) => finish(null, null, `\n[spawn ${command} failed: ${e.message}]`));
    child.once('close', (code, signal) => finish(code, signal));
  });
}
