// libmemcached's command-line tools through our proxy: `memccp` stores files (key = file name) and
// `memccat` prints them back, so a file's exact bytes make a round trip through a real C client and
// the proxy to three memcached servers. Skipped when the tools (Debian libmemcached-tools) are absent.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { findBinary, makeTempDir, removeTempDir } from '../helpers/processes';
import { randomBytes, rng } from '../helpers/random';
import { startMemcacheCluster, type MemcacheCluster } from '../integration/memcache/memcache-cluster';

const T = { timeout: 30_000 };
const memccp = findBinary('memccp');
const memccat = findBinary('memccat');
const skip = memccp && memccat ? false : 'memccp/memccat not found (apt-get install libmemcached-tools)';

interface Run {
  code: number;
  stdout: Buffer;
  stderr: string;
}

/** Run a tool asynchronously: the proxy lives in this process, so a blocking spawn would starve it. */
function run(binary: string, args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(binary, args, { encoding: 'buffer', maxBuffer: 64 * 1024 * 1024, timeout: 20_000 }, (err, stdout, stderr) => {
      const code = err === null ? 0 : typeof err.code === 'number' ? err.code : -1;
      resolve({ code, stdout, stderr: stderr.toString() });
    });
  });
}

describe('memccp and memccat through the proxy', { skip }, () => {
  let cluster: MemcacheCluster;
  let dir: string;
  let servers: string;
  const files: Record<string, Buffer> = {
    'binary.bin': randomBytes(rng(3), 300_000),
    'crlf.txt': Buffer.from('line one\r\nEND\r\nVALUE x 0 1\r\nline four\n'),
    'empty.txt': Buffer.alloc(0),
  };

  before(async () => {
    cluster = await startMemcacheCluster({ directives: { hash: 'md5' } });
    dir = makeTempDir('memccp');
    for (const [name, data] of Object.entries(files)) writeFileSync(join(dir, name), data);
    servers = `--servers=127.0.0.1:${cluster.port}`;
  });
  after(async () => {
    await cluster?.stop();
    if (dir) removeTempDir(dir);
  });

  test('memccp stores files and memccat prints each back byte for byte', T, async () => {
    const paths = Object.keys(files).map((name) => join(dir, name));
    const cp = await run(memccp!, [servers, ...paths]);
    assert.equal(cp.code, 0, `memccp failed: ${cp.stderr}`);
    for (const [name, data] of Object.entries(files)) {
      const cat = await run(memccat!, [servers, name]);
      assert.equal(cat.code, 0, `memccat ${name} failed: ${cat.stderr}`);
      // memccat ends each value with a newline of its own.
      assert.ok(cat.stdout.equals(Buffer.concat([data, Buffer.from('\n')])), `${name} came back unchanged`);
    }
    const homes = await cluster.holders(Object.keys(files));
    assert.ok(homes.every((h) => h >= 0), `every file is on a backend: ${homes}`);
  });

  test('memccat prints several keys in order, each from its own server', T, async () => {
    const names = ['crlf.txt', 'empty.txt', 'binary.bin'].map((n) => basename(n));
    await run(memccp!, [servers, ...names.map((n) => join(dir, n))]);
    const cat = await run(memccat!, [servers, ...names]);
    assert.equal(cat.code, 0, cat.stderr);
    assert.ok(cat.stdout.equals(Buffer.concat(names.flatMap((n) => [files[n], Buffer.from('\n')]))));
  });

  test('memccp --add refuses an existing key (NOT STORED) and memccat fails on a missing one', T, async () => {
    await run(memccp!, [servers, join(dir, 'crlf.txt')]);
    const add = await run(memccp!, [servers, '--add', join(dir, 'crlf.txt')]);
    assert.notEqual(add.code, 0);
    assert.match(add.stderr, /NOT STORED/);
    const missing = await run(memccat!, [servers, 'no-such-file.txt']);
    assert.notEqual(missing.code, 0);
    assert.equal(missing.stdout.length, 0);
  });
});
