import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readPidFile, removePidFile, writePidFile } from '../../../src/cli/pid-file';
import { withTempDir } from '../../helpers/processes';

test('the pid file holds the decimal pid without a newline, replacing older content', () => {
  withTempDir('pid', (dir) => {
    const f = join(dir, 'p.pid');
    writeFileSync(f, '999999999\nstale');
    writePidFile(f, 4242);
    assert.equal(readFileSync(f, 'utf8'), '4242');
    writePidFile(f);
    assert.equal(readFileSync(f, 'utf8'), String(process.pid));
    assert.equal(readPidFile(f), process.pid);
  });
});

test('writing into a missing directory fails with nutcracker\'s message', () => {
  withTempDir('pid', (dir) => {
    const f = join(dir, 'no', 'p.pid');
    assert.throws(() => writePidFile(f), { message: `opening pid file '${f}' failed: No such file or directory` });
  });
});

test('remove deletes our own pid file but leaves one that names another process', () => {
  withTempDir('pid', (dir) => {
    const f = join(dir, 'p.pid');
    writePidFile(f, 123);
    removePidFile(f, 124);
    assert.equal(existsSync(f), true);
    removePidFile(f, 123);
    assert.equal(existsSync(f), false);
    removePidFile(f, 123); // already gone: no throw
  });
});

test('reading a missing or malformed pid file says which and why', () => {
  withTempDir('pid', (dir) => {
    const f = join(dir, 'p.pid');
    assert.throws(() => readPidFile(f), { message: `cannot read pid file '${f}': No such file or directory` });
    for (const bad of ['', 'abc', '-5', '0', '12 34']) {
      writeFileSync(f, bad);
      assert.throws(() => readPidFile(f), { message: `pid file '${f}' does not contain a pid` }, JSON.stringify(bad));
    }
    writeFileSync(f, '77\n');
    assert.equal(readPidFile(f), 77);
  });
});
