// Micro-benchmark of key placement: for each hash, ns per key for the bare hash and for a full
// Placement.serverFor() with ketama and modula over 5 named servers, on 100k random 8..40-byte keys.
// Also times MD5 through node:crypto, to show why md5.ts is hand-written. Run: node dist/bench/hash-bench.js
// Each hash runs in its own child process: a proxy uses one hash per pool, and timing all twelve through
// the same call sites in one process would measure V8's megamorphic calls instead of the hashes.
// Numbers are per machine and per run; compare rows within one run, not across runs.

import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { HASHES, HASH_NAMES, isHashName, type HashFn } from '../src/hashing/index';
import { Placement } from '../src/distribution/placement';
import { randomInt, rng } from '../test/helpers/random';

const KEY_COUNT = 100_000;
const ROUNDS = 7;
const SERVERS = [
  { name: 'x', weight: 1 },
  { name: 's1', weight: 1 },
  { name: 'third', weight: 3 },
  { name: 'server-two', weight: 2 },
  { name: 'alpha.example', weight: 5 },
];

/** All keys back to back in one buffer, as they would sit in a receive buffer; offsets[i]..offsets[i+1]. */
function makeKeys(): { buf: Buffer; offsets: Int32Array } {
  const offsets = new Int32Array(KEY_COUNT + 1);
  const next = rng(0x9e3779b9);
  const lengths: number[] = [];
  let total = 0;
  for (let i = 0; i < KEY_COUNT; i++) {
    const len = 8 + randomInt(next, 33);
    lengths.push(len);
    total += len;
  }
  const buf = Buffer.alloc(total);
  for (let i = 0, at = 0; i < KEY_COUNT; i++) {
    offsets[i] = at;
    for (let k = 0; k < lengths[i]; k++) buf[at++] = 0x21 + randomInt(next, 94); // printable, like most keys
  }
  offsets[KEY_COUNT] = total;
  return { buf, offsets };
}

let sink = 0;

/** Median ns per key of `run` over ROUNDS passes of all keys (after one warm-up pass). */
function measure(run: () => number): number {
  run();
  const samples: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    const t0 = process.hrtime.bigint();
    sink ^= run();
    samples.push(Number(process.hrtime.bigint() - t0) / KEY_COUNT);
  }
  samples.sort((a, b) => a - b);
  return samples[ROUNDS >> 1];
}

function hashLoop(fn: HashFn, buf: Buffer, offsets: Int32Array): () => number {
  return () => {
    let acc = 0;
    for (let i = 0; i < KEY_COUNT; i++) acc ^= fn(buf, offsets[i], offsets[i + 1]);
    return acc;
  };
}

function placementLoop(p: Placement, buf: Buffer, offsets: Int32Array): () => number {
  return () => {
    let acc = 0;
    for (let i = 0; i < KEY_COUNT; i++) acc += p.serverFor(buf, offsets[i], offsets[i + 1]);
    return acc;
  };
}

const CRYPTO_MD5 = 'md5 (node:crypto)';

/** Child: time one hash (bare, ketama, modula) and print the row as JSON. */
function measureOne(name: string): string[] {
  const { buf, offsets } = makeKeys();
  if (!isHashName(name)) {
    const cryptoMd5: HashFn = (b, s, e) => createHash('md5').update(b.subarray(s, e)).digest().readUInt32LE(0);
    return [name, measure(hashLoop(cryptoMd5, buf, offsets)).toFixed(1), '-', '-'];
  }
  const ketama = new Placement({ hash: name, distribution: 'ketama', hashTag: null, servers: SERVERS });
  const modula = new Placement({ hash: name, distribution: 'modula', hashTag: null, servers: SERVERS });
  return [
    name,
    measure(hashLoop(HASHES[name], buf, offsets)).toFixed(1),
    measure(placementLoop(ketama, buf, offsets)).toFixed(1),
    measure(placementLoop(modula, buf, offsets)).toFixed(1),
  ];
}

function main(): void {
  const only = process.argv[2];
  if (only !== undefined) {
    console.log(JSON.stringify(measureOne(only)));
    if (sink === 0.5) console.log(sink); // keeps the results observable so the loops are not optimised away
    return;
  }
  const rows: string[][] = [['hash', 'hash ns/key', 'ketama ns/key', 'modula ns/key']];
  for (const name of [...HASH_NAMES, CRYPTO_MD5]) {
    const r = spawnSync(process.execPath, [__filename, name], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`benchmark of ${name} failed: ${r.stderr}`);
    rows.push(JSON.parse(r.stdout.split('\n')[0]) as string[]);
  }
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  console.log(`${KEY_COUNT} keys of 8..40 bytes, 5 servers, median of ${ROUNDS} passes, node ${process.version}`);
  for (const r of rows) console.log(r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join('  '));
}

main();
