import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { strerror } from '../../../src/log/strerror';

function errorOf(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  throw new Error('expected a throw');
}

test('a missing file reads as glibc\'s "No such file or directory"', () => {
  assert.equal(strerror(errorOf(() => readFileSync(join(tmpdir(), 'twemproxy-ts-no-such-file-x')))), 'No such file or directory');
});

test('codes outside the proxy table get libuv\'s text with a capital letter', () => {
  assert.equal(strerror(errorOf(() => openSync(tmpdir(), 'w'))), 'Illegal operation on a directory');
});

test('non-system errors keep their message; other values are stringified', () => {
  assert.equal(strerror(new Error('boom')), 'boom');
  assert.equal(strerror('text'), 'text');
});
