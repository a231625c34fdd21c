import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SIGNALS, signalLine } from '../../../src/cli/signals';

test('signal log lines use nutcracker\'s wording and Linux signal numbers', () => {
  assert.equal(signalLine('SIGTTIN'), 'signal 21 (SIGTTIN) received, up logging level');
  assert.equal(signalLine('SIGTTOU'), 'signal 22 (SIGTTOU) received, down logging level');
  assert.equal(signalLine('SIGHUP'), 'signal 1 (SIGHUP) received, reopening log file');
  assert.equal(signalLine('SIGINT'), 'signal 2 (SIGINT) received, exiting');
  assert.equal(signalLine('SIGUSR2'), 'signal 12 (SIGUSR2) received');
});

test('our additions: SIGTERM exits cleanly, SIGUSR1 reloads', () => {
  assert.equal(signalLine('SIGTERM'), 'signal 15 (SIGTERM) received, exiting');
  assert.equal(signalLine('SIGUSR1'), 'signal 10 (SIGUSR1) received, reloading configuration');
});

test('hooks are called for exactly the signals that need the proxy', () => {
  const calls: string[] = [];
  const hooks = { shutdown: (s: NodeJS.Signals) => void calls.push(`shutdown ${s}`), reload: () => void calls.push('reload') };
  SIGNALS.SIGINT.run(hooks);
  SIGNALS.SIGTERM.run(hooks);
  SIGNALS.SIGUSR1.run(hooks);
  SIGNALS.SIGUSR2.run(hooks);
  assert.deepEqual(calls, ['shutdown SIGINT', 'shutdown SIGTERM', 'reload']);
});
