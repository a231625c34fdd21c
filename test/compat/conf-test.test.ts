// Differential configuration test: Debian's `nutcracker -t` and our checkConfig read every file of
// conf-corpus/ and must agree on valid/invalid, except for the deliberate differences listed below.
// The corpus names its verdict (valid-*, invalid-*) and invalid files name the problem code we must
// report (`# expect: CODE`), so our side is checked even where nutcracker is not installed. A second
// test starts nutcracker and compares the pool and server names (and order) in its stats output.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { checkConfig, checkConfigText } from '../../src/config/load';
import { hasNutcracker, startNutcracker } from '../helpers/nutcracker';
import { findBinary, waitFor } from '../helpers/processes';
import { freePort } from '../helpers/ports';

/** compiled to dist/test/compat/; the corpus stays in the source tree. */
const CORPUS = join(__dirname, '..', '..', '..', 'test', 'compat', 'conf-corpus');

/** Files where we deliberately differ from Debian's nutcracker 0.5.0, and why. */
const KNOWN_DIFFERENCES: Record<string, string> = {
  'known-difference-reuseport.yml': '`reuseport` is a twemproxy HEAD directive: we accept it, 0.5.0 calls it unknown',
};

const SKIP = hasNutcracker() ? false : 'nutcracker is not installed (apt-get install nutcracker): no reference to compare with';

function corpus(): string[] {
  return readdirSync(CORPUS)
    .filter((f) => f.endsWith('.yml'))
    .sort();
}

function oursValid(file: string): boolean {
  return checkConfig(join(CORPUS, file)).config !== null;
}

test('the corpus has at least 45 files, valid and invalid, named by verdict', () => {
  const files = corpus();
  assert.ok(files.length >= 45, `only ${files.length} files`);
  assert.ok(files.filter((f) => f.startsWith('valid-')).length >= 15);
  assert.ok(files.filter((f) => f.startsWith('invalid-')).length >= 30);
  for (const f of files) assert.match(f, /^(valid|invalid|known-difference)-[a-z0-9-]+\.yml$/);
  for (const f of Object.keys(KNOWN_DIFFERENCES)) assert.ok(files.includes(f), f);
});

test('our verdict on every corpus file is the one its name states, with the expected problem', () => {
  for (const file of corpus()) {
    if (file in KNOWN_DIFFERENCES) continue;
    const r = checkConfig(join(CORPUS, file));
    const codes = r.problems.map((p) => p.code);
    if (file.startsWith('valid-')) {
      assert.deepEqual(r.problems.map((p) => p.message), [], file);
      assert.ok(r.config, file);
      continue;
    }
    assert.equal(r.config, null, file);
    const expect = /^# expect: (\w+)$/m.exec(readFileSync(join(CORPUS, file), 'utf8'))?.[1];
    if (expect !== undefined) assert.ok(codes.includes(expect as never), `${file}: expected ${expect}, got ${codes.join(', ')}`);
  }
});

test('nutcracker -t and twemproxy-ts agree on valid/invalid for every corpus file', { skip: SKIP }, () => {
  const nutcracker = findBinary('nutcracker') as string;
  const disagreements: string[] = [];
  for (const file of corpus()) {
    const path = join(CORPUS, file);
    const run = spawnSync(nutcracker, ['-t', '-c', path], { encoding: 'utf8' });
    assert.notEqual(run.status, null, `nutcracker -t ${file} did not exit`);
    const theirs = run.status === 0;
    const ours = oursValid(file);
    if (file in KNOWN_DIFFERENCES) {
      // Still checked, so a changed reference binary shows up here.
      assert.deepEqual({ theirs, ours }, { theirs: false, ours: true }, `${file}: ${KNOWN_DIFFERENCES[file]}`);
      continue;
    }
    assert.equal(theirs, file.startsWith('valid-'), `nutcracker's verdict on ${file} is not the one its name states`);
    if (theirs !== ours) disagreements.push(`${file}: nutcracker ${theirs ? 'valid' : 'invalid'}, ours ${ours ? 'valid' : 'invalid'}`);
  }
  assert.deepEqual(disagreements, []);
});

/** nutcracker's stats JSON, once it lists `pools`. */
function stats(port: number, pools: string[]): Promise<Record<string, unknown> | undefined> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    const socket = connect({ host: '127.0.0.1', port });
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('error', () => resolve(undefined));
    socket.on('end', () => {
      try {
        const doc = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
        resolve(pools.every((p) => p in doc) ? doc : undefined);
      } catch {
        resolve(undefined);
      }
    });
  });
}

test('pool and server names, and their order, are the ones nutcracker reports in its stats', { skip: SKIP }, async () => {
  const [p1, p2, p3] = [await freePort(), await freePort(), await freePort()];
  const yaml =
    `rpool:\n  listen: 127.0.0.1:${p1}\n  servers:\n    - 127.0.0.1:6379:1 zeta\n    - 127.0.0.1:6380:1 alpha\n    - 127.0.0.1:6381:1 mid\n` +
    `mpool:\n  listen: 127.0.0.1:${p2}\n  servers:\n    - 127.0.0.2:11211:1\n    - 127.0.0.1:11212:3\n    - 127.0.0.1:9:1\n` +
    `ab:\n  listen: 127.0.0.1:${p3}\n  redis: true\n  servers:\n    - /tmp/twemproxy-ts-conf-test.sock:2\n    - 127.0.0.1:06379:1\n    - "127.0.0.1:6379:1 "\n`;
  const ours = checkConfigText(yaml, 'stats.yml').config;
  assert.ok(ours);
  const expected = ours.pools.map((p) => [p.name, p.servers.map((s) => s.name)]);
  assert.deepEqual(expected, [
    ['ab', ['', '127.0.0.1:06379', '/tmp/twemproxy-ts-conf-test.sock:']],
    ['mpool', ['127.0.0.2', '127.0.0.1:9', '127.0.0.1:11212']],
    ['rpool', ['mid', 'zeta', 'alpha']],
  ]);

  const nc = await startNutcracker(yaml);
  try {
    const names = ours.pools.map((p) => p.name);
    const doc = await waitFor('nutcracker stats listing every pool', () => stats(nc.statsPort, names));
    const theirs = Object.keys(doc)
      .filter((k) => names.includes(k))
      .map((pool) => {
        const entry = doc[pool] as Record<string, unknown>;
        return [pool, Object.keys(entry).filter((k) => typeof entry[k] === 'object' && entry[k] !== null)];
      });
    assert.deepEqual(theirs, expected);
  } finally {
    await nc.stop();
  }
});
