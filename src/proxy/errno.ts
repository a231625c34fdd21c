// Data-path error codes and the text a client sees for each (glibc strerror wording, as nutcracker
// sends them: spec §6.9, §7.4). One table; protocols format the text into their own error reply.

import { getSystemErrorName } from 'node:util';

export const ERRNO = {
  unknown: { code: 0, text: 'unknown' },
  ECONNREFUSED: { code: 111, text: 'Connection refused' },
  ETIMEDOUT: { code: 110, text: 'Connection timed out' },
  ECONNRESET: { code: 104, text: 'Connection reset by peer' },
  EPIPE: { code: 32, text: 'Broken pipe' },
  EHOSTDOWN: { code: 112, text: 'Host is down' },
  EINVAL: { code: 22, text: 'Invalid argument' },
  ENOMEM: { code: 12, text: 'Cannot allocate memory' },
  EHOSTUNREACH: { code: 113, text: 'No route to host' },
  ENETUNREACH: { code: 101, text: 'Network is unreachable' },
  ENOENT: { code: 2, text: 'No such file or directory' },
  EACCES: { code: 13, text: 'Permission denied' },
  EADDRINUSE: { code: 98, text: 'Address already in use' },
  EADDRNOTAVAIL: { code: 99, text: 'Cannot assign requested address' },
  /** Not an errno: a pool's client_connections limit (Redis's own wording for maxclients). */
  EMAXCLIENTS: { code: 24, text: 'max number of clients reached' },
} as const;

export type ErrnoName = keyof typeof ERRNO;

/** Map a Node socket error (err.code like 'ECONNREFUSED') to our table; codes it does not list become `unknown` (nutcracker sends "unknown" for errno 0 too). */
export function errnoOf(err: NodeJS.ErrnoException | null | undefined): ErrnoName {
  return errnoOfCode(err?.code);
}

/** The same for a libuv status (a negative errno, as handle callbacks report it). */
export function errnoOfStatus(status: number): ErrnoName {
  return errnoOfCode(getSystemErrorName(status));
}

function errnoOfCode(code: string | undefined): ErrnoName {
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN' || code === 'EAI_FAIL' || code === 'EAI_NONAME') return 'EHOSTDOWN';
  if (code && code in ERRNO) return code as ErrnoName;
  return 'unknown';
}
