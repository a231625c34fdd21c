// The `listen:` grammar (spec §2.4), parsed the way nutcracker's conf_set_listen does it so that the
// same strings are accepted: `/path` or `/path perm` (split at the last space, perm read like
// strtol(…, 8)), otherwise `host:port` split at the last colon (so unbracketed IPv6 works).
// The host is returned as written; the loader resolves it (resolve-host.ts) as nutcracker does.

import type { Address } from './types';
import { ncAtoi } from './nc-atoi';
import { Reject } from './errors';

/** sun_path is 108 bytes including the terminating NUL. */
export const UNIX_PATH_MAX = 107;

const MAX_PERM = 0o777;
const LONG_MAX = (1n << 63n) - 1n;
const LONG_MIN = -(1n << 63n);

export function parseListen(text: string): Address | Reject {
  if (text.charCodeAt(0) === 0x2f /* '/' */) return parseUnix(text);
  const colon = text.lastIndexOf(':');
  if (colon < 0) return new Reject('CONF_LISTEN_FORMAT');
  const port = ncAtoi(text.slice(colon + 1));
  if (port < 1 || port > 65535) return new Reject('CONF_LISTEN_PORT');
  return { raw: text, path: null, host: text.slice(0, colon), port, perm: 0 };
}

function parseUnix(text: string): Address | Reject {
  const space = text.lastIndexOf(' ');
  let path = text;
  let perm = 0;
  if (space >= 0) {
    path = text.slice(0, space);
    const mode = strtolOctal(text.slice(space + 1));
    if (mode === null || mode > MAX_PERM) return new Reject('CONF_LISTEN_PERM');
    perm = mode;
  }
  const length = Buffer.byteLength(path);
  if (length > UNIX_PATH_MAX) return new Reject('CONF_LISTEN_PATH_TOO_LONG', { length, max: UNIX_PATH_MAX });
  return { raw: text, path, host: '', port: 0, perm };
}

/**
 * `(mode_t)strtol(s, NULL, 8)`: leading white space and a sign are allowed, parsing stops at the
 * first non-octal character ("0999" is 0: no chmod), overflow of a C long is an error (ERANGE), and
 * the result is truncated to 32 unsigned bits (so "-1" becomes 0xffffffff, too big).
 */
function strtolOctal(s: string): number | null {
  let i = 0;
  while (i < s.length && ' \t\n\v\f\r'.includes(s[i])) i++;
  let negative = false;
  if (s[i] === '+' || s[i] === '-') negative = s[i++] === '-';
  let value = 0n;
  for (; i < s.length && s[i] >= '0' && s[i] <= '7'; i++) {
    value = value * 8n + BigInt(s.charCodeAt(i) - 48);
    if (value > LONG_MAX + 1n) return null;
  }
  if (negative) value = -value;
  if (value > LONG_MAX || value < LONG_MIN) return null;
  return Number(BigInt.asUintN(32, value));
}
