import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, renameSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { LOG_DEFAULT, LOG_LEVEL, LOG_MAX, LOG_MAX_LINE, Logger, log, logTimestamp } from '../../../src/log/logger';
import { withTempDir } from '../../helpers/processes';

const LINE = /^\[\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{3}\] /;

function lines(file: string): string[] {
  return readFileSync(file, 'utf8').split('\n').filter((l) => l !== '');
}

/** The lines of a log file without their timestamps. */
function messages(file: string): string[] {
  return lines(file).map((s) => s.replace(LINE, ''));
}

/** A new Logger writing to x.log in a fresh directory, removed afterwards. */
function withLogFile(fn: (l: Logger, file: string) => void): void {
  withTempDir('log', (dir) => {
    const file = join(dir, 'x.log');
    const l = new Logger();
    l.open(file);
    fn(l, file);
  });
}

test('levels are nutcracker\'s twelve, EMERG 0 to PVERB 11, NOTICE the default', () => {
  assert.deepEqual(Object.entries(LOG_LEVEL), [
    ['EMERG', 0], ['ALERT', 1], ['CRIT', 2], ['ERR', 3], ['WARN', 4], ['NOTICE', 5],
    ['INFO', 6], ['DEBUG', 7], ['VERB', 8], ['VVERB', 9], ['VVVERB', 10], ['PVERB', 11],
  ]);
  assert.equal(LOG_DEFAULT, 5);
  assert.equal(new Logger().level, 5);
  assert.equal(log.level, 5);
});

test('level is clamped to 0..11 and truncated to an integer', () => {
  const l = new Logger();
  l.level = -3;
  assert.equal(l.level, 0);
  l.level = 99;
  assert.equal(l.level, 11);
  l.level = 7.9;
  assert.equal(l.level, 7);
  l.level = Number.NaN;
  assert.equal(l.level, LOG_DEFAULT);
});

test('enabled(n) is true exactly for levels up to the current one', () => {
  const l = new Logger();
  l.level = 4;
  assert.deepEqual([3, 4, 5].map((n) => l.enabled(n)), [true, true, false]);
});

test('timestamps are local time with milliseconds, zero-padded', () => {
  assert.equal(logTimestamp(new Date(2024, 0, 2, 3, 4, 5, 6)), '[2024-01-02 03:04:05.006] ');
  assert.equal(logTimestamp(new Date(1999, 11, 31, 23, 59, 59, 999)), '[1999-12-31 23:59:59.999] ');
});

test('each method writes only when the level allows it; always() writes at level 0', () => {
  withLogFile((l, file) => {
    const methods = ['emerg', 'alert', 'crit', 'error', 'warn', 'notice', 'info', 'debug', 'verb'] as const;
    l.level = LOG_LEVEL.WARN;
    for (const m of methods) l[m](`m-${m}`);
    l.level = 0;
    l.always('banner');
    l.close();
    const got = lines(file);
    assert.deepEqual(got.map((s) => s.replace(LINE, '')), ['m-emerg', 'm-alert', 'm-crit', 'm-error', 'm-warn', 'banner']);
    for (const s of got) assert.match(s, LINE);
  });
});

test('at the highest level every method writes', () => {
  withLogFile((l, file) => {
    l.level = LOG_MAX;
    l.verb('v');
    l.debug('d');
    l.close();
    assert.deepEqual(messages(file), ['v', 'd']);
  });
});

test('open appends to an existing file and creates a new one with mode 0644 (less the umask)', () => {
  withTempDir('log', (dir) => {
    const old = join(dir, 'old.log');
    writeFileSync(old, 'kept\n');
    const l = new Logger();
    l.open(old);
    l.notice('added');
    assert.deepEqual(messages(old), ['kept', 'added']);
    const fresh = join(dir, 'fresh.log');
    l.open(fresh);
    l.notice('x');
    l.close();
    const umask = process.umask();
    assert.equal(statSync(fresh).mode & 0o777, 0o644 & ~umask);
    assert.equal(l.file, null);
  });
});

test('open failure throws nutcracker\'s message and keeps the previous output', () => {
  withTempDir('log', (dir) => {
    const good = join(dir, 'good.log');
    const bad = join(dir, 'missing-dir', 'x.log');
    const l = new Logger();
    l.open(good);
    assert.throws(() => l.open(bad), { message: `opening log file '${bad}' failed: No such file or directory` });
    assert.equal(l.file, good);
    l.notice('still here');
    l.close();
    assert.deepEqual(messages(good), ['still here']);
  });
});

test('open(null) and open("") mean stderr', () => {
  withTempDir('log', (dir) => {
    const l = new Logger();
    l.open(join(dir, 'a.log'));
    l.open('');
    assert.equal(l.file, null);
    l.open(join(dir, 'a.log'));
    l.open(null);
    assert.equal(l.file, null);
  });
});

test('reopen after the file was renamed writes to a new file at the old path', () => {
  withTempDir('log', (dir) => {
    const file = join(dir, 'proxy.log');
    const l = new Logger();
    l.open(file);
    l.notice('before rotation');
    renameSync(file, `${file}.1`);
    l.notice('after rename, before reopen');
    l.reopen();
    l.notice('after reopen');
    l.close();
    assert.deepEqual(messages(`${file}.1`), ['before rotation', 'after rename, before reopen']);
    assert.deepEqual(messages(file), ['after reopen']);
  });
});

test('reopen that cannot open the path keeps writing to the old file and says why', () => {
  withTempDir('log', (dir) => {
    const sub = join(dir, 'logs');
    mkdirSync(sub);
    const file = join(sub, 'proxy.log');
    const l = new Logger();
    l.open(file);
    renameSync(sub, join(dir, 'moved'));
    l.reopen();
    l.notice('still logging');
    l.close();
    assert.deepEqual(messages(join(dir, 'moved', 'proxy.log')), [
      `reopening log file '${file}' failed, ignored: No such file or directory`,
      'still logging',
    ]);
  });
});

test('levelUp and levelDown move one step, log the new level, and stop at the ends', () => {
  withLogFile((l, file) => {
    l.level = 10;
    assert.equal(l.levelUp(), true);
    assert.equal(l.levelUp(), false);
    assert.equal(l.level, 11);
    l.level = 1;
    assert.equal(l.levelDown(), true);
    assert.equal(l.levelDown(), false);
    assert.equal(l.level, 0);
    l.close();
    assert.deepEqual(messages(file), ['up log level to 11', 'down log level to 0']);
  });
});

test('long lines are cut to the maximum, newline included, without splitting a UTF-8 character', () => {
  withLogFile((l, file) => {
    l.notice('a'.repeat(5000));
    l.notice('€'.repeat(2000));
    l.notice('short');
    l.close();
    const raw = readFileSync(file);
    const parts = raw.toString('utf8').split('\n');
    assert.equal(parts.length, 4);
    assert.equal(Buffer.byteLength(parts[0]) + 1, LOG_MAX_LINE);
    assert.ok(Buffer.byteLength(parts[1]) + 1 <= LOG_MAX_LINE);
    assert.ok(Buffer.byteLength(parts[1]) + 1 > LOG_MAX_LINE - 3);
    assert.ok(!parts[1].includes('\ufffd'), 'no broken character');
    assert.match(parts[2], /\] short$/);
  });
});
