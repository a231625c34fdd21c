// memcaslap (libmemcached's load generator) through our proxy to three memcached servers: short
// bounded runs of its default get/set mix, single gets and multi-gets, with data verification on.
// Its keys start with eight raw bytes such as 0x10, which memcached and nutcracker accept, so this is
// also the real-client check that the proxy takes such keys. Skipped when memcaslap is absent.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { findBinary } from '../helpers/processes';
import { startMemcacheCluster, type MemcacheCluster } from '../integration/memcache/memcache-cluster';

const T = { timeout: 30_000 };
const memcaslap = findBinary('memcaslap');
const skip = memcaslap ? false : 'memcaslap not found (apt-get install libmemcached-tools)';

/** Run asynchronously: the proxy lives in this process, so a blocking spawn would starve it. */
function run(args: string[]): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    execFile(memcaslap!, args, { maxBuffer: 16 * 1024 * 1024, timeout: 20_000 }, (err, stdout, stderr) => {
      const code = err === null ? 0 : typeof err.code === 'number' ? err.code : -1;
      resolve({ code, out: `${stdout}${stderr}` });
    });
  });
}

/** memcaslap's summary counters (`cmd_get: 123`) and the TPS of its final line. */
function summary(out: string): Record<string, number> {
  const counters: Record<string, number> = {};
  for (const m of out.matchAll(/^(\w+): (\d+)$/gm)) counters[m[1]] = Number(m[2]);
  const tps = /TPS: (\d+)/.exec(out);
  counters.TPS = tps ? Number(tps[1]) : 0;
  return counters;
}

describe('memcaslap through the proxy', { skip }, () => {
  let cluster: MemcacheCluster;

  before(async () => {
    cluster = await startMemcacheCluster();
  });
  after(() => cluster?.stop());

  async function itemsPerBackend(): Promise<number[]> {
    return Promise.all(
      cluster.backends.map(async (_, i) => {
        const [stats] = await cluster.direct(i, 'stats\r\n');
        return Number(/STAT curr_items (\d+)/.exec(String(stats))?.[1] ?? -1);
      }),
    );
  }

  for (const [title, extra] of [
    ['single gets and sets', []],
    ['multi-gets of 8 keys and sets', ['-d', '8']],
  ] as [string, string[]][]) {
    test(`a 1-second run of ${title} verifies its data with no failures and fills every backend`, T, async () => {
      const before = (await itemsPerBackend()).reduce((a, b) => a + b, 0);
      const { code, out } = await run(['-s', `127.0.0.1:${cluster.port}`, '-t', '1s', '-T', '2', '-c', '8', '-v', '0.1', ...extra]);
      assert.equal(code, 0, out);
      // Failed requests are printed as the error reply memcaslap got (e.g. `<13 CLIENT_ERROR ...`).
      assert.doesNotMatch(out, /ERROR|[Ff]ailed to/, out.slice(0, 2000));
      const s = summary(out);
      assert.ok(s.TPS > 0, `non-zero TPS:\n${out}`);
      assert.ok(s.cmd_get > 0 && s.cmd_set > 0, `gets and sets were sent:\n${out}`);
      assert.equal(s.verify_failed, 0, out);
      assert.equal(s.verify_misses, 0, out);
      assert.equal(s.get_misses, 0, out);
      const items = await itemsPerBackend();
      assert.ok(items.every((n) => n > 0), `every backend holds keys: ${items}`);
      assert.ok(items.reduce((a, b) => a + b, 0) > before, 'new keys were stored');
    });
  }
});
