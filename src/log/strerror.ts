// Turns a Node system error into the glibc strerror text nutcracker prints ("No such file or directory"),
// for start-up messages such as `opening log file '<f>' failed: <text>`. The proxy's errno table is the
// source for the codes it knows; other codes fall back to libuv's text with a capital first letter.

import { getSystemErrorMap } from 'node:util';
import { ERRNO } from '../proxy/errno';

export function strerror(err: unknown): string {
  const e = err as NodeJS.ErrnoException | null | undefined;
  const code = e?.code;
  if (code !== undefined && Object.prototype.hasOwnProperty.call(ERRNO, code)) {
    return ERRNO[code as keyof typeof ERRNO].text;
  }
  if (typeof e?.errno === 'number') {
    const known = getSystemErrorMap().get(e.errno);
    if (known) return known[1].charAt(0).toUpperCase() + known[1].slice(1);
  }
  if (e instanceof Error) return e.message;
  return String(err);
}
