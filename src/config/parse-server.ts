// One `servers:` entry (spec §2.5): `host:port:weight [name]` or `/path:weight [name]`, parsed from
// the right exactly like nutcracker's conf_add_server (last space, then last colon twice), because
// which strings are valid and which name a server gets decide key placement and duplicates.
// Hosts are not resolved here: nutcracker resolves server names on every new connection.

import type { ServerConfig } from './types';
import { ncAtoi } from './nc-atoi';
import { Reject } from './errors';

/** libmemcached compatibility: an unnamed server on this port is named by its host alone. */
export const KETAMA_DEFAULT_PORT = 11211;

/** Searched for from the right, in this order: name, weight, port; the NUL stops a 4th field. */
const DELIMITERS = [' ', ':', ':', '\0'] as const;

export function parseServer(text: string): ServerConfig | Reject {
  const unix = text.charCodeAt(0) === 0x2f; /* '/' */
  const wanted = unix ? 2 : 3;
  let end = text.length; // the part still to parse is text[0, end)
  let name: string | null = null;
  let weightText = '';
  let portText = '';
  let k = 0;
  for (; k < DELIMITERS.length; k++) {
    const at = end > 0 ? text.lastIndexOf(DELIMITERS[k], end - 1) : -1;
    if (at < 0) {
      if (k === 0) continue; // the name is optional
      break;
    }
    const field = text.slice(at + 1, end);
    if (k === 0) name = field;
    else if (k === 1) weightText = field;
    else if (k === 2) portText = field;
    end = at;
  }
  if (k !== wanted) return new Reject('CONF_SERVER_FORMAT');

  const addr = text.slice(0, end);
  const weight = ncAtoi(weightText);
  if (weight < 0) return new Reject('CONF_SERVER_WEIGHT');
  if (weight === 0) return new Reject('CONF_SERVER_ZERO_WEIGHT');
  let port = 0;
  if (!unix) {
    port = ncAtoi(portText);
    if (port < 1 || port > 65535) return new Reject('CONF_SERVER_PORT');
  }
  // nutcracker names an unnamed server `host:port` as written (weight excluded), `host` for port
  // 11211, and `path:` (trailing colon) for a Unix socket. A trailing space gives an empty name.
  // pname: the entry without " name" (only cut when the name is non-empty, as nutcracker does).
  const raw = name !== null && name.length > 0 ? text.slice(0, text.length - name.length - 1) : text;
  return {
    name: name ?? (port === KETAMA_DEFAULT_PORT ? addr : `${addr}:${portText}`),
    address: { raw, path: unix ? addr : null, host: unix ? '' : addr, port, perm: 0 },
    weight,
  };
}
