// Every reply the proxy itself writes to a memcached client, preallocated once as bytes (spec §7.4).
// nutcracker closes silently on bad input; we answer first, in memcached's own wording where memcached
// has one (`ERROR`, `CLIENT_ERROR bad data chunk`, ...), so clients see why and can keep the connection.

import { ERRNO, type ErrnoName } from '../../proxy/errno';
import { commandTable } from './command-table';

const line = (text: string): Buffer => Buffer.from(`${text}\r\n`, 'latin1');

/** Reasons a client request is refused, with the text after `CLIENT_ERROR `. */
export const CLIENT_ERRORS = {
  badFormat: 'bad command line format',
  keyTooLong: 'key too long',
  keyControlChar: 'key contains a control character',
  badDelta: 'invalid numeric delta argument',
  badExptime: 'invalid exptime argument',
  badDataChunk: 'bad data chunk',
  lineTooLong: 'line too long',
} as const;
export type ClientErrorName = keyof typeof CLIENT_ERRORS;

const clientErrors = {} as Record<ClientErrorName, Buffer>;
for (const name of Object.keys(CLIENT_ERRORS) as ClientErrorName[]) {
  clientErrors[name] = line(`CLIENT_ERROR ${CLIENT_ERRORS[name]}`);
}

const serverErrors = {} as Record<ErrnoName, Buffer>;
for (const name of Object.keys(ERRNO) as ErrnoName[]) serverErrors[name] = line(`SERVER_ERROR ${ERRNO[name].text}`);

/** Indexed like commandTable; only entries of unsupported commands are used. */
const unsupported = commandTable.map((c) => line(`SERVER_ERROR unsupported command '${c.name}'`));

export const localReplies = {
  /** memcached's answer to an unknown command name or an empty line. */
  unknownCommand: line('ERROR'),
  /** `CLIENT_ERROR <reason>\r\n` */
  clientError(name: ClientErrorName): Buffer {
    return clientErrors[name];
  },
  /** `SERVER_ERROR unsupported command '<name>'\r\n` for a command-table index. */
  unsupported(cmd: number): Buffer {
    return unsupported[cmd];
  },
  /** `SERVER_ERROR <strerror text>\r\n`, as nutcracker answers a failed request. */
  serverError(err: ErrnoName): Buffer {
    return serverErrors[err] ?? serverErrors.unknown;
  },
  /** The terminator of a (merged) value list. */
  end: line('END'),
} as const;
