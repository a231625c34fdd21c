// Synchronous name resolution for `listen:` hosts: nutcracker resolves them while loading the file
// (getaddrinfo, AF_UNSPEC, first result), so `-t` fails on a name that does not resolve. Node's
// dns.lookup is async and uses the same getaddrinfo, so names are looked up in one child Node
// process (all at once) and IP literals are taken as they are. Server hosts are never resolved here.

import { execFileSync } from 'node:child_process';
import { isIP } from 'node:net';
import { networkInterfaces } from 'node:os';

export type Resolution = { address: string; family: 4 | 6 } | { error: string };

/** gai_strerror() wording for the codes Node reports, as nutcracker logs them. */
const GAI_TEXT = {
  ENOTFOUND: 'Name or service not known',
  EAI_NONAME: 'Name or service not known',
  EAI_AGAIN: 'Temporary failure in name resolution',
  EAI_FAIL: 'Non-recoverable failure in name resolution',
  EAI_NODATA: 'No address associated with hostname',
  EAI_FAMILY: 'ai_family not supported',
} as const;

const CHILD_TIMEOUT_MS = 30_000;

// Runs in the child: hosts as JSON on stdin, {host: {address, family} | {error}} as JSON on stdout.
const CHILD_SCRIPT = `
const dns = require('node:dns');
let input = '';
process.stdin.on('data', (c) => (input += c)).on('end', () => {
  const hosts = JSON.parse(input);
  const out = {};
  let left = hosts.length;
  for (const h of hosts) {
    dns.lookup(h, { verbatim: true }, (err, address, family) => {
      out[h] = err ? { error: err.code || String(err) } : { address, family };
      if (--left === 0) process.stdout.write(JSON.stringify(out));
    });
  }
});`;

/** Resolve every host; the map has one entry per distinct host. */
export function resolveHostsSync(hosts: readonly string[]): Map<string, Resolution> {
  const out = new Map<string, Resolution>();
  const lookup: string[] = [];
  for (const host of new Set(hosts)) {
    const family = isIP(host);
    if (family === 4 || family === 6) out.set(host, { address: host, family });
    else if (host === '') out.set(host, { error: GAI_TEXT.EAI_NONAME });
    else if (host === '*') out.set(host, loopback());
    else lookup.push(host);
  }
  if (lookup.length === 0) return out;
  let answers: Record<string, { address?: string; family?: number; error?: string }> = {};
  try {
    const stdout = execFileSync(process.execPath, ['-e', CHILD_SCRIPT], {
      input: JSON.stringify(lookup),
      encoding: 'utf8',
      timeout: CHILD_TIMEOUT_MS,
      stdio: ['pipe', 'pipe', 'ignore'],
      env: { ...process.env, NODE_OPTIONS: '' },
    });
    answers = JSON.parse(stdout) as typeof answers;
  } catch (err) {
    for (const host of lookup) out.set(host, { error: `resolver failed: ${(err as Error).message.split('\n')[0]}` });
    return out;
  }
  for (const host of lookup) {
    const a = answers[host];
    if (a && typeof a.address === 'string' && (a.family === 4 || a.family === 6)) {
      out.set(host, { address: a.address, family: a.family });
    } else {
      const code = a?.error ?? 'EAI_FAIL';
      out.set(host, { error: code in GAI_TEXT ? GAI_TEXT[code as keyof typeof GAI_TEXT] : code });
    }
  }
  return out;
}

/**
 * glibc's getaddrinfo treats the node "*" as no node at all; without AI_PASSIVE that is the
 * loopback address, IPv6 first when the host has it (nutcracker takes the first result).
 */
function loopback(): Resolution {
  const hasV6 = Object.values(networkInterfaces()).some((list) => list?.some((i) => i.address === '::1'));
  return hasV6 ? { address: '::1', family: 6 } : { address: '127.0.0.1', family: 4 };
}
