// Runs a command-line client (redis-cli, redis-benchmark, python3) to completion for the real-client
// tests: optional stdin, a hard time limit, and the exit code with stdout and stderr, so a failing
// tool shows what it said. Binaries are found on PATH (or in the sbin directories) by the caller.

import { spawn } from 'node:child_process';

export interface ToolResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export function runTool(binary: string, args: readonly string[], opts: { input?: Buffer | string; timeoutMs?: number; env?: NodeJS.ProcessEnv } = {}): Promise<ToolResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(binary, args as string[], { stdio: ['pipe', 'pipe', 'pipe'], env: opts.env ?? process.env });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 20_000);
    child.once('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() });
    });
    child.stdin.on('error', () => {
      // the tool may exit before reading all of its input; its exit code tells what happened
    });
    child.stdin.end(opts.input ?? '');
  });
}

/** A one-line summary of a result for assertion messages. */
export function describeResult(r: ToolResult): string {
  return `exit ${r.code ?? r.signal}; stdout: ${r.stdout.slice(0, 500)}; stderr: ${r.stderr.slice(0, 500)}`;
}
