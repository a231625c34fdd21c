// `-d`: run in the background. Node cannot fork, so the parent re-spawns this program (same node
// flags, script and arguments minus -d) detached in a new session, stdio on /dev/null as nutcracker's
// daemon, with an IPC channel on which the child reports "ready" (listening, pid file written) or
// its start-up error. The parent exits 0 only on "ready", so `twemproxy-ts -d && client ...` works,
// and prints the child's error and exits 1 otherwise (nutcracker exits 0 before knowing). No chdir.

import { spawn } from 'node:child_process';
import { withoutDaemonize } from './options';

/** Set in the child's environment: "you are the daemon, do not daemonize again, report on IPC". */
export const DAEMON_ENV = 'TWEMPROXY_TS_DAEMON_CHILD';

/** Messages on the start-up channel, child → parent. */
export const DAEMON_MESSAGES = { ready: 'ready', failed: 'failed' } as const;

type DaemonMessage = { type: typeof DAEMON_MESSAGES.ready; pid: number } | { type: typeof DAEMON_MESSAGES.failed; message: string };

export type DaemonResult = { ok: true; pid: number } | { ok: false; message: string };

/**
 * True in the re-spawned child. Clears the marker so processes the proxy starts (workers) do not
 * mistake themselves for the daemon.
 */
export function takeDaemonMarker(): boolean {
  const marked = process.env[DAEMON_ENV] === '1';
  delete process.env[DAEMON_ENV];
  return marked && typeof process.send === 'function';
}

/** Parent side: start the daemon and wait until it is ready or has failed. */
export function spawnDaemon(argv: readonly string[]): Promise<DaemonResult> {
  return new Promise((resolve) => {
    const script = process.argv[1];
    const child = spawn(process.execPath, [...process.execArgv, script, ...withoutDaemonize(argv)], {
      detached: true,
      stdio: ['ignore', 'ignore', 'ignore', 'ipc'],
      env: { ...process.env, [DAEMON_ENV]: '1' },
    });
    let settled = false;
    const settle = (result: DaemonResult): void => {
      if (settled) return;
      settled = true;
      child.removeAllListeners();
      if (child.connected) child.disconnect();
      child.unref();
      resolve(result);
    };
    child.on('message', (m: DaemonMessage) => {
      if (m?.type === DAEMON_MESSAGES.ready) settle({ ok: true, pid: m.pid });
      else if (m?.type === DAEMON_MESSAGES.failed) settle({ ok: false, message: m.message });
    });
    child.on('error', (err) => settle({ ok: false, message: `cannot start daemon: ${err.message}` }));
    child.on('exit', (code, signal) =>
      settle({ ok: false, message: `daemon exited before it was ready (${signal ?? `status ${code}`})` }),
    );
  });
}

/** Child side: listening and pid file written; close the channel so the parent can exit. */
export function reportReady(): void {
  const msg: DaemonMessage = { type: DAEMON_MESSAGES.ready, pid: process.pid };
  process.send?.(msg, undefined, undefined, () => {
    if (process.connected) process.disconnect();
  });
}

/** Child side: start-up failed; resolves once the parent has the message (or the channel is gone). */
export function reportFailure(message: string): Promise<void> {
  return new Promise((resolve) => {
    const msg: DaemonMessage = { type: DAEMON_MESSAGES.failed, message };
    if (!process.connected || !process.send) return resolve();
    process.send(msg, undefined, undefined, () => resolve());
  });
}
