// The program's name and version as the command line and logs show them (`This is twemproxy-ts-<v>`).
// The version is read once from package.json, which ships next to dist/ in the package.

import * as fs from 'node:fs';
import * as path from 'node:path';

export const PROGRAM = 'twemproxy-ts';

function readVersion(): string {
  // Compiled to dist/src/cli/version.js; package.json is three levels up in the repo and the package.
  for (const rel of ['../../../package.json', '../../package.json']) {
    try {
      const pkg = JSON.parse(fs.readFileSync(path.join(__dirname, rel), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === PROGRAM && typeof pkg.version === 'string') return pkg.version;
    } catch {
      // Try the next location.
    }
  }
  return '0.0.0';
}

export const VERSION = readVersion();
