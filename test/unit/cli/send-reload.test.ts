import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { sendReload } from '../../../src/cli/send-reload';

const dir = mkdtempSync(join(tmpdir(), 'twemproxy-ts-reload-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

/** A node process that prints "ready", then "usr1" on each SIGUSR1; `marker` is an extra argv entry. */
async function startListener(marker: string): Promise<{ child: ChildProcess; lines: string[] }> {
  const script = "process.on('SIGUSR1',()=>console.log('usr1'));console.log('ready');setInterval(()=>{},1000)";
  const child = spawn(process.execPath, ['-e', script, marker], { stdio: ['ignore', 'pipe', 'inherit'] });
  const lines: string[] = [];
  let buf = '';
  child.stdout!.on('data', (d: Buffer) => {
    buf += d.toString();
    const parts = buf.split('\n');
    buf = parts.pop()!;
    lines.push(...parts);
  });
  while (!lines.includes('ready')) await once(child.stdout!, 'data');
  return { child, lines };
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGKILL');
  await once(child, 'exit');
}

test('--reload without -p asks for the pid file', () => {
  assert.throws(() => sendReload(null), { message: 'option --reload requires the pid file of the running proxy (-p FILE)' });
});

test('--reload with a missing pid file names the file and the reason', () => {
  const f = join(dir, 'missing.pid');
  assert.throws(() => sendReload(f), { message: `cannot read pid file '${f}': No such file or directory` });
});

test('--reload with a pid that is not running says so', async () => {
  const child = spawn(process.execPath, ['-e', '']);
  await once(child, 'exit');
  const f = join(dir, 'dead.pid');
  writeFileSync(f, String(child.pid));
  assert.throws(() => sendReload(f), { message: `process ${child.pid} from pid file '${f}' is not running` });
});

test('--reload refuses to signal a process that is not twemproxy-ts, which survives', { timeout: 10_000 }, async () => {
  const { child, lines } = await startListener('something-else');
  try {
    const f = join(dir, 'other.pid');
    writeFileSync(f, String(child.pid));
    assert.throws(() => sendReload(f), /is not twemproxy-ts/);
    assert.equal(child.exitCode, null);
    assert.ok(!lines.includes('usr1'));
  } finally {
    await stop(child);
  }
});

test('--reload sends SIGUSR1 to the process in the pid file', { timeout: 10_000 }, async () => {
  const { child, lines } = await startListener('twemproxy-ts');
  try {
    const f = join(dir, 'ours.pid');
    writeFileSync(f, String(child.pid));
    assert.equal(sendReload(f), child.pid);
    while (!lines.includes('usr1')) await once(child.stdout!, 'data');
  } finally {
    await stop(child);
  }
});
