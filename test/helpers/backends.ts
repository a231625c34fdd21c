// Real backend servers for integration tests: redis-server and memcached on free 127.0.0.1 ports, each
// in its own temporary directory, started in the foreground, resolved only once they answer (PING /
// version), stopped with SIGTERM then SIGKILL. restart() brings a server back on the same port, which is
// what ejection and reconnect tests need. Debian's nutcracker lives in nutcracker.ts (re-exported here).

import { mkdirSync, readFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { freePort } from './ports';
import { delay, findBinary, makeTempDir, probeReply, removeTempDir, spawnTracked, stopProcess, waitFor, type Spawned } from './processes';

export { hasNutcracker, startNutcracker, type Nutcracker } from './nutcracker';

export interface Backend {
  readonly kind: BackendKind;
  readonly host: '127.0.0.1';
  readonly port: number;
  /** Pid of the current process (changes after restart()). */
  readonly pid: number;
  /** The server's private temporary directory. */
  readonly dir: string;
  /** SIGTERM, then SIGKILL after 2 s; removes the temporary directory. Safe to call twice. */
  stop(): Promise<void>;
  /** Send a signal as is, e.g. SIGSTOP to make the server hang, SIGCONT to resume, SIGKILL to crash it. */
  kill(signal: NodeJS.Signals): void;
  /** Stop (if running) and start again on the same port; resolves once it answers. */
  restart(): Promise<void>;
  /** Tail of the server's stdout/stderr, for failure messages. */
  output(): string;
}

export interface BackendOptions {
  /** redis only: `requirepass`. */
  password?: string;
  /** Appended to the command line (after ours, so they win where the server lets the last one win). */
  extraArgs?: string[];
}

/** How each server kind is launched and asked whether it is up. */
const KINDS = {
  redis: {
    binary: 'redis-server',
    probe: 'PING\r\n',
    // With requirepass, an unauthenticated PING gets -NOAUTH: that still proves the server is serving.
    ready: (reply: string) => reply.startsWith('+PONG') || reply.startsWith('-NOAUTH'),
  },
  memcached: {
    binary: 'memcached',
    probe: 'version\r\n',
    ready: (reply: string) => reply.startsWith('VERSION '),
  },
} as const;

export type BackendKind = keyof typeof KINDS;

/** Both servers say "Address already in use" when the port was taken between freePort() and bind(). */
const ADDRESS_IN_USE = /address already in use/i;
const START_ATTEMPTS = 8;

function redisArgs(port: number, dir: string, opts: BackendOptions): string[] {
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no'];
  args.push('--daemonize', 'no');
  if (opts.password !== undefined) args.push('--requirepass', opts.password);
  return args.concat(opts.extraArgs ?? []);
}

/** memcached refuses to run as root without -u; naming the current user works for everyone. */
function memcachedArgs(port: number | null, opts: BackendOptions): string[] {
  const args = ['-l', '127.0.0.1', '-p', port === null ? '-1' : String(port), '-U', '0', '-m', '64', '-t', '2'];
  if (process.getuid?.() === 0) args.push('-u', userInfo().username);
  return args.concat(opts.extraArgs ?? []);
}

/** memcached with `-p -1` binds an ephemeral port and writes "TCP INET: <port>" to this file. */
function readPortFile(file: string): number | undefined {
  try {
    const m = /TCP INET: (\d+)/.exec(readFileSync(file, 'utf8'));
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

interface Started {
  proc: Spawned;
  port: number;
}

/** One launch attempt; `port` null = let the server pick (memcached only). Rejects with the server output. */
async function launch(kind: BackendKind, port: number | null, dir: string, opts: BackendOptions): Promise<Started> {
  const spec = KINDS[kind];
  const binary = findBinary(spec.binary);
  if (binary === null) throw new Error(`${spec.binary} not found on PATH`);
  const portFile = join(dir, 'memcached.port');
  const env = kind === 'memcached' ? { ...process.env, MEMCACHED_PORT_FILENAME: portFile } : process.env;
  const args = kind === 'redis' ? redisArgs(port ?? 0, dir, opts) : memcachedArgs(port, opts);
  const proc = spawnTracked(binary, args, { cwd: dir, env });
  const died = (): string | undefined => (proc.isRunning() ? undefined : `exited early:\n${proc.output()}`);
  try {
    const actual =
      port ?? (await waitFor(`${spec.binary} port file`, async () => readPortFile(portFile), { failFast: died }));
    await waitFor(
      `${spec.binary} on 127.0.0.1:${actual}`,
      async () => {
        const reply = await probeReply({ host: '127.0.0.1', port: actual }, spec.probe);
        return reply !== undefined && spec.ready(reply) ? true : undefined;
      },
      { failFast: died },
    );
    return { proc, port: actual };
  } catch (err) {
    await stopProcess(proc, 200);
    throw err;
  }
}

/**
 * Launch with retries: a fresh port each time when none is fixed; the same port (after a pause) when
 * restarting, since the old process's socket may take a moment to go away.
 */
async function launchWithRetry(kind: BackendKind, fixedPort: number | null, dir: string, opts: BackendOptions): Promise<Started> {
  let lastError: unknown;
  for (let attempt = 0; attempt < START_ATTEMPTS; attempt++) {
    const port = fixedPort ?? (kind === 'memcached' ? null : await freePort());
    try {
      return await launch(kind, port, dir, opts);
    } catch (err) {
      lastError = err;
      if (!ADDRESS_IN_USE.test(String(err))) throw err;
      if (fixedPort !== null) await delay(100 * (attempt + 1));
    }
  }
  throw lastError;
}

async function startBackend(kind: BackendKind, opts: BackendOptions): Promise<Backend> {
  const dir = makeTempDir(kind);
  let current: Started;
  try {
    current = await launchWithRetry(kind, null, dir, opts);
  } catch (err) {
    removeTempDir(dir);
    throw err;
  }
  const port = current.port;
  return {
    kind,
    host: '127.0.0.1',
    port,
    get pid() {
      return current.proc.pid;
    },
    dir,
    async stop() {
      await stopProcess(current.proc);
      removeTempDir(dir);
    },
    kill(signal) {
      if (!current.proc.isRunning()) return;
      current.proc.child.kill(signal);
      // A stop reaches every thread of the server asynchronously: wait until the kernel reports the
      // process stopped, so a request sent next cannot still be served (memcached is multi-threaded).
      if (signal === 'SIGSTOP') waitProcessState(current.proc.child.pid as number, 'T');
    },
    async restart() {
      await stopProcess(current.proc);
      mkdirSync(dir, { recursive: true });
      current = await launchWithRetry(kind, port, dir, opts);
    },
    output: () => current.proc.output(),
  };
}

/** A redis-server on a free 127.0.0.1 port: no persistence, optional requirepass. */
export function startRedis(opts: BackendOptions = {}): Promise<Backend> {
  return startBackend('redis', opts);
}

/** A memcached on a free 127.0.0.1 port (TCP only, 64 MB). */
export function startMemcached(opts: Omit<BackendOptions, 'password'> = {}): Promise<Backend> {
  return startBackend('memcached', opts);
}

/** Poll /proc/<pid>/stat (synchronously, at most ~1 s) until the process is in `state`. */
function waitProcessState(pid: number, state: string): void {
  const until = Date.now() + 1000;
  while (Date.now() < until) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      if (stat.slice(stat.lastIndexOf(')') + 2).startsWith(state)) return;
    } catch {
      return; // gone: nothing to wait for
    }
  }
}
