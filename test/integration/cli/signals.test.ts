// Real signals to a real process, without a proxy: a small node program that opens the log and
// installs the CLI's signal table, as main.ts does, with hooks that log instead of closing a proxy.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { renameSync } from 'node:fs';
import { join } from 'node:path';
import { makeTempDir, readOrEmpty, spawnTracked, stopProcess, waitFor, type Spawned } from '../../helpers/processes';

const SRC = join(__dirname, '..', '..', '..', 'src');
const FIXTURE = `
const { log } = require(${JSON.stringify(join(SRC, 'log', 'logger.js'))});
const { installSignals } = require(${JSON.stringify(join(SRC, 'cli', 'signals.js'))});
log.open(process.argv[1]);
log.level = Number(process.argv[2]);
installSignals({
  shutdown: (s) => { log.always('shutdown hook ' + s); process.exit(0); },
  reload: () => log.always('reload hook'),
});
log.always('fixture ready');
setInterval(() => {}, 1 << 30);
`;

const dir = makeTempDir('cli-signals');

async function waitLine(p: Spawned, file: string, text: string): Promise<void> {
  await waitFor(`'${text}' in ${file}`, async () => (readOrEmpty(file).includes(text) ? true : undefined), {
    failFast: () => (p.isRunning() ? undefined : `process exited: ${p.output()}`),
  });
}

let seq = 0;
async function start(level: number): Promise<{ p: Spawned; file: string }> {
  const file = join(dir, `fixture-${++seq}.log`);
  const p = spawnTracked(process.execPath, ['-e', FIXTURE, file, String(level)]);
  await waitLine(p, file, 'fixture ready');
  return { p, file };
}

/** The messages of a log file, timestamps removed. */
function messages(file: string): string[] {
  return readOrEmpty(file)
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => l.replace(/^\[[^\]]*\] /, ''));
}

test('SIGTTIN raises and SIGTTOU lowers the level, each logged as nutcracker does', async () => {
  const { p, file } = await start(5);
  try {
    p.child.kill('SIGTTIN');
    await waitLine(p, file, 'up log level to 6');
    p.child.kill('SIGTTOU');
    await waitLine(p, file, 'down log level to 5');
    assert.deepEqual(messages(file), [
      'fixture ready',
      'signal 21 (SIGTTIN) received, up logging level',
      'up log level to 6',
      'signal 22 (SIGTTOU) received, down logging level',
      'down log level to 5',
    ]);
  } finally {
    await stopProcess(p);
  }
});

test('at the top and bottom levels only the signal is logged, and the level stays', async () => {
  /** At `level`, `signal` logs only `logged`; SIGUSR2 (logged at every level) shows nothing else came. */
  const atLimit = async (level: number, signal: NodeJS.Signals, logged: string): Promise<void> => {
    const { p, file } = await start(level);
    try {
      p.child.kill(signal);
      await waitLine(p, file, logged);
      p.child.kill('SIGUSR2');
      await waitLine(p, file, 'signal 12 (SIGUSR2) received');
      assert.deepEqual(messages(file).slice(1), [logged, 'signal 12 (SIGUSR2) received']);
    } finally {
      await stopProcess(p);
    }
  };
  await atLimit(11, 'SIGTTIN', 'signal 21 (SIGTTIN) received, up logging level');
  await atLimit(0, 'SIGTTOU', 'signal 22 (SIGTTOU) received, down logging level');
});

test('SIGHUP after the log was moved away reopens a new file at the same path', async () => {
  const { p, file } = await start(5);
  try {
    renameSync(file, `${file}.1`);
    p.child.kill('SIGHUP');
    await waitLine(p, `${file}.1`, 'signal 1 (SIGHUP) received, reopening log file');
    p.child.kill('SIGUSR2');
    await waitLine(p, file, 'signal 12 (SIGUSR2) received');
    assert.deepEqual(messages(`${file}.1`), ['fixture ready', 'signal 1 (SIGHUP) received, reopening log file']);
    assert.deepEqual(messages(file), ['signal 12 (SIGUSR2) received']);
  } finally {
    await stopProcess(p);
  }
});

test('SIGUSR1 calls the reload hook', async () => {
  const { p, file } = await start(5);
  try {
    p.child.kill('SIGUSR1');
    await waitLine(p, file, 'reload hook');
    assert.deepEqual(messages(file).slice(1), ['signal 10 (SIGUSR1) received, reloading configuration', 'reload hook']);
  } finally {
    await stopProcess(p);
  }
});

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  test(`${signal} is logged and calls the shutdown hook`, async () => {
    const { p, file } = await start(0);
    p.child.kill(signal);
    const exit = await p.exited;
    assert.deepEqual(exit, { code: 0, signal: null });
    const n = signal === 'SIGINT' ? 2 : 15;
    assert.deepEqual(messages(file).slice(1), [`signal ${n} (${signal}) received, exiting`, `shutdown hook ${signal}`]);
  });
}
