#!/usr/bin/env node
// Runs the compiled test files (dist/test/**/*.test.js) with node's test runner, one file at a time
// (files start real servers; running them one by one keeps the 2-core CI machine predictable).
// A file that fails is run once more and reported as RETRIED either way, so a test that depends on
// timing under load is visible without failing the whole run; a test that fails twice fails the run.
// A test that leaves a socket open would otherwise hang the run: every test gets 120 s at most.
// Usage: node scripts/run-tests.js [unit|integration|compat|clients|helpers|<dir>/<file>.test.js ...]
// (default: all)
'use strict';
const { readdirSync, statSync } = require('node:fs');
const { join, relative } = require('node:path');
const { spawnSync } = require('node:child_process');

const root = join(__dirname, '..', 'dist', 'test');
const only = process.argv.slice(2);

function walk(dir, out) {
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else if (name.endsWith('.test.js')) out.push(p);
  }
  return out;
}

/** Run one file; echo its output; return its pass/fail counts from the runner's summary. */
function runFile(file) {
  const r = spawnSync(process.execPath, ['--test', '--test-reporter=spec', '--test-timeout=120000', file], {
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
  });
  process.stdout.write(r.stdout);
  process.stderr.write(r.stderr);
  const count = (name) => {
    const m = r.stdout.match(new RegExp(`^ℹ ${name} (\\d+)$`, 'm'));
    return m ? Number(m[1]) : 0;
  };
  const failed = count('fail') + count('cancelled');
  return { passed: count('pass'), failed, skipped: count('skipped') + count('todo'), ok: r.status === 0 && failed === 0 };
}

const dirs = only.length ? only.map((d) => join(root, d)) : [root];
const files = dirs.flatMap((d) => (statSync(d).isFile() ? [d] : walk(d, [])));
if (files.length === 0) {
  console.error('no test files found under', dirs.join(', '));
  process.exit(1);
}

let passed = 0;
let failed = 0;
let skipped = 0;
const retried = [];
const broken = [];
for (const file of files) {
  const name = relative(root, file);
  console.log(`\n▶ ${name}`);
  let r = runFile(file);
  if (!r.ok) {
    console.log(`\n↻ ${name} failed (${r.failed} failing); running it once more`);
    r = runFile(file);
    retried.push(`${name} (${r.ok ? 'passed on retry' : 'failed again'})`);
  }
  passed += r.passed;
  failed += r.ok ? r.failed : Math.max(r.failed, 1);
  skipped += r.skipped;
  if (!r.ok) broken.push(name);
}

console.log(`\n${files.length} test files`);
if (retried.length) console.log(`RETRIED (look into these):\n  ${retried.join('\n  ')}`);
if (broken.length) console.log(`FAILED:\n  ${broken.join('\n  ')}`);
console.log(`tests: ${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(broken.length === 0 ? 0 : 1);
