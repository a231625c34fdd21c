#!/usr/bin/env node
// Runs the compiled test files (dist/test/**/*.test.js) with node's test runner.
// A test that leaves a socket open would otherwise hang the run: every test gets 120 s at most.
// Usage: node scripts/run-tests.js [unit|integration|compat ...]  (default: all)
'use strict';
const { readdirSync, statSync } = require('node:fs');
const { join } = require('node:path');
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

const dirs = only.length ? only.map((d) => join(root, d)) : [root];
const files = dirs.flatMap((d) => walk(d, []));
if (files.length === 0) {
  console.error('no test files found under', dirs.join(', '));
  process.exit(1);
}
const r = spawnSync(process.execPath, ['--test', '--test-reporter=spec', '--test-timeout=120000', ...files], { stdio: 'inherit' });
process.exit(r.status === null ? 1 : r.status);
