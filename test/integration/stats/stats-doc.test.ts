// The stats-document reader used by the stats tests: the order-preserving tokenizer accepts exactly
// nutcracker's value kinds and keeps key order, and settledStats waits for a document that stops changing.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type AddressInfo } from 'node:net';
import { integerValues, settledStats, statsShape, tokenizeStats, waitForStats } from './stats-doc';

/** A document written the way nc_stats.c writes it (spec §4.2), including its separators. */
const NUTCRACKER_DOC =
  '{"service":"nutcracker", "source":"host-1", "version":"0.5.0", "uptime":7, "timestamp":1700000000, ' +
  '"total_connections":4, "curr_connections":3, "zeta": {"client_eof":0, "client_err":-1, ' +
  '"b": {"requests":9223372036854775807, "out_queue":0},"a": {"requests":2}},"alpha": {"fragments":0}}\n';

test('a nutcracker document tokenizes in document order with objects before their members', () => {
  const entries = tokenizeStats(NUTCRACKER_DOC);
  assert.deepEqual(statsShape(entries), [
    'service:string',
    'source:string',
    'version:string',
    'uptime:integer',
    'timestamp:integer',
    'total_connections:integer',
    'curr_connections:integer',
    'zeta:object',
    'zeta.client_eof:integer',
    'zeta.client_err:integer',
    'zeta.b:object',
    'zeta.b.requests:integer',
    'zeta.b.out_queue:integer',
    'zeta.a:object',
    'zeta.a.requests:integer',
    'alpha:object',
    'alpha.fragments:integer',
  ]);
  const values = integerValues(entries);
  assert.equal(values.get('zeta.b.requests'), 9223372036854775807n, 'int64 values survive exactly');
  assert.equal(values.get('zeta.client_err'), -1n);
  assert.equal(entries[1].value, 'host-1');
});

test('values outside nutcracker’s kinds are rejected with their offset', () => {
  const bad = {
    float: '{"a":1.5}',
    exponent: '{"a":1e3}',
    array: '{"a":[1]}',
    boolean: '{"a":true}',
    null: '{"a":null}',
    'leading zero': '{"a":01}',
    escape: '{"a\\"b":1}',
    'trailing bytes': '{"a":1}}',
    'missing comma': '{"a":1 "b":2}',
    unterminated: '{"a":1',
  };
  for (const [what, text] of Object.entries(bad)) {
    assert.throws(() => tokenizeStats(text), /stats document: .* at offset \d+/, what);
  }
});

test('an empty object and JSON whitespace are accepted', () => {
  assert.deepEqual(statsShape(tokenizeStats(' { "p" : { } , "n" :\t-0 }\r\n')), ['p:object', 'n:integer']);
});

/** A stats port whose counter grows for the first `changes` connections, then stays. */
async function countingStatsServer(changes: number): Promise<{ port: number; served: () => number; close: () => Promise<void> }> {
  let served = 0;
  const server = createServer((sock) => {
    served++;
    const n = Math.min(served, changes);
    sock.end(`{"service":"nutcracker", "uptime":${served}, "timestamp":${1000 + served}, "p": {"requests":${n}}}\n`);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    served: () => served,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

test('settledStats returns the first document repeated unchanged, ignoring uptime and timestamp', async () => {
  const srv = await countingStatsServer(3);
  try {
    const { entries } = await settledStats(srv.port, { reads: 3, intervalMs: 1 });
    assert.equal(integerValues(entries).get('p.requests'), 3n);
    assert.equal(srv.served(), 5, 'documents 3, 4 and 5 were identical but for the clock');
  } finally {
    await srv.close();
  }
});

test('settledStats keeps waiting while its condition is false, and gives up with the last document', async () => {
  const srv = await countingStatsServer(2);
  try {
    await assert.rejects(
      settledStats(srv.port, { reads: 2, intervalMs: 1, timeoutMs: 50, until: (v) => v.get('p.requests') === 5n }),
      /did not settle; last document: .*"requests":2/,
    );
    const v = await waitForStats(srv.port, 'two requests', (vals) => vals.get('p.requests') === 2n);
    assert.equal(v.get('p.requests'), 2n);
  } finally {
    await srv.close();
  }
});
