// The built executable, black-box: exit codes and messages of every mode (-V/-h/-D, option errors,
// -t, --reload), and a running proxy's life cycle (pid file, signals, log reopen, -d). The proxy's
// config names one server on port 1: a proxy does not contact servers until a request needs them.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describeStats } from '../../../src/cli/describe-stats';
import { usageText } from '../../../src/cli/options';
import { VERSION } from '../../../src/cli/version';
import { freePort, occupyPort } from '../../helpers/ports';
import { accepts, makeTempDir, spawnTracked, stopProcess, waitFor, type Spawned } from '../../helpers/processes';

const MAIN = join(__dirname, '..', '..', '..', 'src', 'cli', 'main.js');
/** dist/test/integration/cli → bin/twemproxy-ts in the repository. */
const LAUNCHER = join(__dirname, '..', '..', '..', '..', 'bin', 'twemproxy-ts');
const VERSION_LINE = `This is twemproxy-ts-${VERSION}\n`;
const dir = makeTempDir('cli');
const daemons = new Set<number>();

test.after(() => {
  for (const pid of daemons) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
});

function cli(args: string[], cwd = dir): { status: number | null; stderr: string; stdout: string } {
  const r = spawnSync(process.execPath, [MAIN, ...args], { cwd, encoding: 'utf8', timeout: 30_000 });
  return { status: r.status, stderr: r.stderr, stdout: r.stdout };
}

let seq = 0;
function file(name: string, text?: string): string {
  const f = join(dir, `${++seq}-${name}`);
  if (text !== undefined) writeFileSync(f, text);
  return f;
}

function read(f: string): string {
  try {
    return readFileSync(f, 'utf8');
  } catch {
    return '';
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function goodConfig(): Promise<{ yaml: string; port: number }> {
  const port = await freePort();
  return { yaml: `alpha:\n  listen: 127.0.0.1:${port}\n  redis: true\n  servers:\n    - 127.0.0.1:1:1 s1\n`, port };
}

// ---------------------------------------------------------------------------------------------
// Modes that exit at once.

test('-V prints the version block on stderr and exits 0', () => {
  const r = cli(['-V']);
  assert.equal(r.status, 0);
  assert.ok(r.stderr.startsWith(VERSION_LINE));
  assert.ok(r.stderr.endsWith('\n\n'));
  assert.equal(r.stdout, '');
});

test('-h prints the version block then the usage, exit 0', () => {
  const r = cli(['--help']);
  assert.equal(r.status, 0);
  assert.ok(r.stderr.startsWith(VERSION_LINE));
  assert.ok(r.stderr.endsWith(usageText()));
});

test('-D prints the version block then nutcracker\'s stats description, exit 0', () => {
  const r = cli(['-D']);
  assert.equal(r.status, 0);
  assert.ok(r.stderr.startsWith(VERSION_LINE));
  assert.ok(r.stderr.endsWith(`\n\n${describeStats()}`));
});

test('-h, -V and -D win over -t, -d and a missing config, in version, help, describe order', () => {
  const r = cli(['-t', '-d', '-c', 'no-such.yml', '-D', '-h', '-V']);
  assert.equal(r.status, 0);
  const help = r.stderr.indexOf('Usage: ');
  const describe = r.stderr.indexOf('pool stats:');
  assert.ok(r.stderr.startsWith(VERSION_LINE));
  assert.ok(help > 0 && describe > help);
  assert.ok(!r.stderr.includes('syntax is'));
});

test('an option error prints the message and the usage (no version block), exit 1', () => {
  for (const [args, message] of [
    [['-s', '0'], 'option -s value 0 is not a valid port'],
    [['-m', '100', '-h'], 'mbuf chunk size must be between 512 and 16777216 bytes'],
    [['-h', '-x'], "invalid option -- 'x'"],
    [['--workers', '0'], 'option --workers value 0 must be between 1 and 256'],
  ] as const) {
    const r = cli([...args]);
    assert.equal(r.status, 1, args.join(' '));
    assert.equal(r.stderr, `twemproxy-ts: ${message}\n${usageText()}`, args.join(' '));
  }
});

// ---------------------------------------------------------------------------------------------
// -t

test('-t on a valid file says "syntax is ok" and exits 0', async () => {
  const conf = file('ok.yml', (await goodConfig()).yaml);
  const r = cli(['-t', '-c', conf]);
  assert.equal(r.stderr, `twemproxy-ts: configuration file '${conf}' syntax is ok\n`);
  assert.equal(r.status, 0);
});

test('-t on an invalid file prints one line per problem, then "syntax is invalid", exit 1', async () => {
  const { port } = await goodConfig();
  const conf = file(
    'bad.yml',
    `alpha:\n  listen: 127.0.0.1:${port}\n  redis: maybe\n  servers:\n    - 127.0.0.1:1:1 s1\n` +
      `beta:\n  listen: 127.0.0.1:${port + 1}\n  timeout: soon\n  servers:\n    - 127.0.0.1:1:1 s1\n`,
  );
  const r = cli(['--test-conf', '--conf-file', conf]);
  assert.equal(r.status, 1);
  const lines = r.stderr.split('\n').filter(Boolean);
  assert.equal(lines.at(-1), `twemproxy-ts: configuration file '${conf}' syntax is invalid`);
  assert.ok(lines.length >= 3, r.stderr);
  assert.ok(lines.slice(0, -1).every((l) => l.startsWith('twemproxy-ts: ')), r.stderr);
  assert.ok(lines.some((l) => l.includes('redis')) && lines.some((l) => l.includes('timeout')), r.stderr);
});

test('-t on a missing file gives the reason, then "syntax is invalid", exit 1', () => {
  const r = cli(['-t', '-c', 'no-such.yml']);
  assert.equal(r.status, 1);
  const lines = r.stderr.split('\n').filter(Boolean);
  assert.equal(lines.at(-1), "twemproxy-ts: configuration file 'no-such.yml' syntax is invalid");
  assert.ok(lines.length >= 2 && lines[0].includes('No such file or directory'), r.stderr);
});

test('the default configuration file is conf/nutcracker.yml relative to the working directory', () => {
  const r = cli(['-t'], dir);
  assert.equal(r.status, 1);
  assert.ok(r.stderr.endsWith("twemproxy-ts: configuration file 'conf/nutcracker.yml' syntax is invalid\n"), r.stderr);
});

// ---------------------------------------------------------------------------------------------
// Start-up failures: all before anything listens, all exit 1.

test('an invalid config in normal mode prints the problems and exits 1 without starting', () => {
  const conf = file('bad-run.yml', 'alpha:\n  listen: 127.0.0.1:1\n  redis: maybe\n  servers:\n    - 127.0.0.1:1:1 s1\n');
  const log = file('bad-run.log');
  const r = cli(['-c', conf, '-o', log]);
  assert.equal(r.status, 1);
  assert.ok(r.stderr.endsWith(`twemproxy-ts: configuration file '${conf}' syntax is invalid\n`), r.stderr);
  assert.ok(!read(log).includes('started on pid'), 'no banner for a config that does not load');
});

test('-d with an invalid config exits 1 in the foreground (nutcracker would exit 0)', () => {
  const conf = file('bad-daemon.yml', 'alpha:\n  listen: 127.0.0.1:1\n  redis: maybe\n  servers:\n    - 127.0.0.1:1:1 s1\n');
  const pid = file('bad-daemon.pid');
  const r = cli(['-d', '-c', conf, '-p', pid]);
  assert.equal(r.status, 1);
  assert.ok(r.stderr.includes('syntax is invalid'), r.stderr);
  assert.equal(existsSync(pid), false);
});

test('a log file that cannot be opened is reported and exits 1', async () => {
  const conf = file('ok2.yml', (await goodConfig()).yaml);
  const log = join(dir, 'no-such-dir', 'x.log');
  const r = cli(['-c', conf, '-o', log]);
  assert.equal(r.status, 1);
  assert.equal(r.stderr, `twemproxy-ts: opening log file '${log}' failed: No such file or directory\n`);
});

test('--reload without a running proxy explains why and exits 1', () => {
  let r = cli(['--reload']);
  assert.equal(r.status, 1);
  assert.equal(r.stderr, 'twemproxy-ts: option --reload requires the pid file of the running proxy (-p FILE)\n');
  const pid = join(dir, 'none.pid');
  r = cli(['--reload', '-p', pid]);
  assert.equal(r.status, 1);
  assert.equal(r.stderr, `twemproxy-ts: cannot read pid file '${pid}': No such file or directory\n`);
});

// ---------------------------------------------------------------------------------------------
// A running proxy.

interface Running {
  p: Spawned;
  pidFile: string;
  log: string;
  port: number;
}

async function startProxy(extra: string[] = [], launcher = false): Promise<Running> {
  const { yaml, port } = await goodConfig();
  const conf = file('run.yml', yaml);
  const pidFile = file('run.pid');
  const log = file('run.log');
  const stats = await freePort();
  const args = ['-c', conf, '-p', pidFile, '-o', log, '-s', String(stats), '-a', '127.0.0.1', ...extra];
  const p = launcher ? spawnTracked(LAUNCHER, args, { cwd: dir }) : spawnTracked(process.execPath, [MAIN, ...args], { cwd: dir });
  await waitFor('pid file', async () => (existsSync(pidFile) ? true : undefined), {
    failFast: () => (p.isRunning() ? undefined : `exited: ${p.output()} ${read(log)}`),
  });
  return { p, pidFile, log, port };
}

async function waitLog(r: Running, text: string): Promise<void> {
  await waitFor(`'${text}' in the log`, async () => (read(r.log).includes(text) ? true : undefined));
}

test('a started proxy writes its pid file, logs the banner and accepts on its listen port', async () => {
  const r = await startProxy();
  try {
    assert.equal(read(r.pidFile), String(r.p.pid));
    assert.ok(await accepts({ host: '127.0.0.1', port: r.port }));
    const log = read(r.log);
    assert.match(log, new RegExp(`\\] twemproxy-ts-${VERSION.replace(/\./g, '\\.')} built for .* started on pid ${r.p.pid}\\n`));
    assert.ok(log.includes("] run, rabbit run / dig that hole, forget the sun / and when at last the work is done / don't sit down / it's time to dig another one\n"));
  } finally {
    await stopProcess(r.p);
  }
});

test('bin/twemproxy-ts runs the proxy itself (same pid) with its V8 settings, and passes flags through', async () => {
  const v = spawnSync(LAUNCHER, ['-V'], { cwd: dir, encoding: 'utf8', timeout: 30_000 });
  assert.equal(v.status, 0, v.stderr);
  assert.ok((v.stderr + v.stdout).startsWith(VERSION_LINE), v.stderr + v.stdout);
  // Extra Node flags from the environment reach node (here: a module preloaded before the proxy).
  const preload = file('preload.js', "process.stderr.write('preloaded\\n');\n");
  const withFlags = spawnSync(LAUNCHER, ['-V'], { cwd: dir, encoding: 'utf8', timeout: 30_000, env: { ...process.env, TWEMPROXY_TS_NODE_FLAGS: `--require ${preload}` } });
  assert.equal(withFlags.status, 0, withFlags.stderr);
  assert.ok(withFlags.stderr.startsWith('preloaded\n'), withFlags.stderr);
  const r = await startProxy([], true);
  try {
    assert.equal(read(r.pidFile), String(r.p.pid), 'exec: the pid file names the process that was started');
    const cmdline = readFileSync(`/proc/${r.p.pid}/cmdline`, 'utf8').split('\0');
    for (const flag of ['--min-semi-space-size=2', '--max-semi-space-size=2', '--retain-maps-for-n-gc=1000000', '--no-memory-reducer']) {
      assert.ok(cmdline.includes(flag), `${flag} missing from: ${cmdline.join(' ')}`);
    }
    assert.ok(await accepts({ host: '127.0.0.1', port: r.port }));
    r.p.child.kill('SIGTERM');
    assert.deepEqual(await r.p.exited, { code: 0, signal: null }, r.p.output());
  } finally {
    await stopProcess(r.p);
  }
});

for (const [signal, n] of [['SIGTERM', 15], ['SIGINT', 2]] as const) {
  test(`${signal} closes the proxy, removes the pid file, logs, and exits 0`, async () => {
    const r = await startProxy();
    r.p.child.kill(signal);
    const exit = await r.p.exited;
    assert.deepEqual(exit, { code: 0, signal: null }, r.p.output());
    assert.equal(existsSync(r.pidFile), false);
    const log = read(r.log);
    assert.ok(log.includes(`] signal ${n} (${signal}) received, exiting\n`));
    assert.ok(log.trimEnd().endsWith('] done, rabbit done'));
    assert.equal(await accepts({ host: '127.0.0.1', port: r.port }), false);
  });
}

test('SIGTTIN, SIGTTOU and SIGUSR2 on a running proxy are logged with the level change', async () => {
  const r = await startProxy(['-v', '5']);
  try {
    r.p.child.kill('SIGTTIN');
    await waitLog(r, 'up log level to 6');
    r.p.child.kill('SIGTTOU');
    await waitLog(r, 'down log level to 5');
    r.p.child.kill('SIGUSR2');
    await waitLog(r, 'signal 12 (SIGUSR2) received');
    const log = read(r.log);
    assert.ok(log.indexOf('signal 21 (SIGTTIN) received, up logging level') < log.indexOf('up log level to 6'));
    assert.ok(log.indexOf('signal 22 (SIGTTOU) received, down logging level') < log.indexOf('down log level to 5'));
  } finally {
    await stopProcess(r.p);
  }
});

test('SIGHUP on a running proxy reopens the log after it was moved', async () => {
  const r = await startProxy();
  try {
    renameSync(r.log, `${r.log}.1`);
    r.p.child.kill('SIGHUP');
    await waitFor('SIGHUP line in the moved log', async () => (read(`${r.log}.1`).includes('signal 1 (SIGHUP) received, reopening log file') ? true : undefined));
    r.p.child.kill('SIGUSR2');
    await waitLog(r, 'signal 12 (SIGUSR2) received');
    assert.ok(!read(`${r.log}.1`).includes('SIGUSR2'));
    assert.ok(read(`${r.log}.1`).includes('started on pid'));
  } finally {
    await stopProcess(r.p);
  }
});

test('SIGUSR1 and --reload make the running proxy reload and log the outcome', async () => {
  const r = await startProxy();
  try {
    r.p.child.kill('SIGUSR1');
    await waitLog(r, 'signal 10 (SIGUSR1) received, reloading configuration');
    await waitFor('reload outcome', async () => (/\] reload of .* (applied|rejected)/.test(read(r.log)) ? true : undefined));
    const sent = cli(['--reload', '-p', r.pidFile]);
    assert.equal(sent.status, 0, sent.stderr);
    assert.equal(sent.stderr, `twemproxy-ts: sent SIGUSR1 (reload) to pid ${r.p.pid}\n`);
    await waitFor('second reload', async () => (read(r.log).split('reloading configuration').length === 3 ? true : undefined));
    assert.ok(r.p.isRunning());
  } finally {
    await stopProcess(r.p);
  }
});

test('a pid file that cannot be written stops the start with exit 1 and nothing left listening', async () => {
  const { yaml, port } = await goodConfig();
  const conf = file('pidfail.yml', yaml);
  const pidFile = join(dir, 'no-such-dir', 'x.pid');
  const r = cli(['-c', conf, '-p', pidFile, '-s', String(await freePort()), '-a', '127.0.0.1']);
  assert.equal(r.status, 1);
  assert.ok(r.stderr.includes(`twemproxy-ts: opening pid file '${pidFile}' failed: No such file or directory\n`), r.stderr);
  assert.equal(await accepts({ host: '127.0.0.1', port }), false);
});

test('a listen port in use stops the start with exit 1, a message, and no pid file', async () => {
  const { port, release } = await occupyPort();
  try {
    const conf = file('busy.yml', `alpha:\n  listen: 127.0.0.1:${port}\n  servers:\n    - 127.0.0.1:1:1 s1\n`);
    const pidFile = file('busy.pid');
    const r = cli(['-c', conf, '-p', pidFile, '-s', String(await freePort()), '-a', '127.0.0.1']);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /^twemproxy-ts: .+/m);
    assert.equal(existsSync(pidFile), false);
  } finally {
    await release();
  }
});

// ---------------------------------------------------------------------------------------------
// -d

test('-d returns 0 once the daemon listens; relative paths resolve from the working directory', async () => {
  const { yaml, port } = await goodConfig();
  const n = ++seq;
  writeFileSync(join(dir, `d${n}.yml`), yaml);
  const r = cli(['-d', '-c', `d${n}.yml`, '-p', `d${n}.pid`, '-o', `d${n}.log`, '-s', String(await freePort()), '-a', '127.0.0.1']);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stderr, '');
  const pidFile = join(dir, `d${n}.pid`);
  const logFile = join(dir, `d${n}.log`);
  // Ready is reported only after the pid file is written, so it is there now.
  const pid = Number(read(pidFile));
  daemons.add(pid);
  assert.ok(pid > 0 && alive(pid));
  assert.ok(await accepts({ host: '127.0.0.1', port }));
  assert.ok(read(logFile).includes(`started on pid ${pid}`));
  process.kill(pid, 'SIGTERM');
  // Not our child, so no exit status to wait for: the last thing it does is log "done".
  await waitFor('daemon done', async () => (read(logFile).includes('done, rabbit done') ? true : undefined));
  assert.equal(existsSync(pidFile), false);
});

test('-d reports a start-up failure of the daemon and exits 1', async () => {
  const { port, release } = await occupyPort();
  try {
    const conf = file('dbusy.yml', `alpha:\n  listen: 127.0.0.1:${port}\n  servers:\n    - 127.0.0.1:1:1 s1\n`);
    const pidFile = file('dbusy.pid');
    const r = cli(['-d', '-c', conf, '-p', pidFile, '-s', String(await freePort()), '-a', '127.0.0.1']);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /^twemproxy-ts: .+/);
    assert.equal(existsSync(pidFile), false);
  } finally {
    await release();
  }
});
