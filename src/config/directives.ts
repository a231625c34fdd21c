// The pool directives (spec §2.3): one table of name → config field, type, default, value parser
// and a one-line description. The loader, the "unknown directive" hint, the docs reference and the
// PoolConfig defaults are all derived from it. Value rules are nutcracker 0.5.0's (numbers: nc_atoi;
// booleans: exactly `true`/`false`; enums: case-sensitive), plus `reuseport` from twemproxy HEAD.

import type { PoolConfig } from './types';
import { HASH_NAMES, isHashName, type HashName } from '../hashing/index';
import { DISTRIBUTIONS, isDistributionName, type DistributionName } from '../distribution/index';
import { Reject } from './errors';
import { ncAtoi } from './nc-atoi';
import { parseListen } from './parse-listen';
import { parseServer } from './parse-server';

export const DIRECTIVE_TYPES = ['listen', 'servers', 'string', 'number', 'bool', 'enum', 'hashtag'] as const;
export type DirectiveType = (typeof DIRECTIVE_TYPES)[number];

type Field = Exclude<keyof PoolConfig, 'name'>;
/** What one value parses to: a whole field, or one element for a list field (`servers`). */
type Item<F extends Field> = PoolConfig[F] extends readonly (infer E)[] ? E : PoolConfig[F];

export interface DirectiveSpec<N extends string = string, F extends Field = Field> {
  name: N;
  field: F;
  type: DirectiveType;
  /** Value when the directive is absent; `undefined` means the directive is required. */
  default: PoolConfig[F] | undefined;
  /** Every value of a list directive is appended; any other directive may appear once. */
  list: boolean;
  /** For enums: the accepted values, in nutcracker's order. */
  allowed?: readonly string[];
  parse(text: string): Item<F> | Reject;
  description: string;
}

function spec<const N extends string, F extends Field>(d: DirectiveSpec<N, F>): DirectiveSpec<N, F> {
  return d;
}

function parseNumber(text: string): number | Reject {
  const n = ncAtoi(text);
  return n < 0 ? new Reject('CONF_NOT_A_NUMBER') : n;
}

function parseBool(text: string): boolean | Reject {
  if (text === 'true') return true;
  if (text === 'false') return false;
  return new Reject('CONF_NOT_A_BOOL');
}

function parseHash(text: string): HashName | Reject {
  return isHashName(text) ? text : new Reject('CONF_INVALID_HASH', { allowed: HASH_NAMES.join(' ') });
}

function parseDistribution(text: string): DistributionName | Reject {
  return isDistributionName(text) ? text : new Reject('CONF_INVALID_DISTRIBUTION', { allowed: DISTRIBUTIONS.join(' ') });
}

/** Two bytes, not two characters: nutcracker compares lengths in bytes (`é` alone is valid). */
function parseHashTag(text: string): Buffer | Reject {
  const bytes = Buffer.from(text, 'utf8');
  return bytes.length === 2 ? bytes : new Reject('CONF_INVALID_HASH_TAG', { length: bytes.length });
}

/** Empty strings never get here: nutcracker rejects every empty scalar (yaml-subset.ts). */
function parseString(text: string): string {
  return text;
}

export const DIRECTIVES = [
  spec({ name: 'listen', field: 'listen', type: 'listen', default: undefined, list: false, parse: parseListen,
    description: 'where the pool accepts clients: "host:port" (resolved at load time) or "/unix/path [octal perm]"' }),
  spec({ name: 'hash', field: 'hash', type: 'enum', default: 'fnv1a_64', list: false, allowed: HASH_NAMES, parse: parseHash,
    description: 'hash function applied to keys (or to their hash_tag part)' }),
  spec({ name: 'hash_tag', field: 'hashTag', type: 'hashtag', default: null, list: false, parse: parseHashTag,
    description: 'two bytes, e.g. "{}": only the part of a key between them is hashed' }),
  spec({ name: 'distribution', field: 'distribution', type: 'enum', default: 'ketama', list: false, allowed: DISTRIBUTIONS,
    parse: parseDistribution, description: 'how key hashes map to servers' }),
  spec({ name: 'timeout', field: 'timeout', type: 'number', default: 0, list: false, parse: parseNumber,
    description: 'ms to wait for a server reply before failing the request; 0 or absent: wait forever' }),
  spec({ name: 'backlog', field: 'backlog', type: 'number', default: 512, list: false, parse: parseNumber,
    description: 'listen(2) backlog of the pool listener' }),
  spec({ name: 'client_connections', field: 'clientConnections', type: 'number', default: 0, list: false, parse: parseNumber,
    description: 'max client connections, 0 = unlimited (nutcracker parses then ignores it; we enforce it)' }),
  spec({ name: 'redis', field: 'redis', type: 'bool', default: false, list: false, parse: parseBool,
    description: 'true: the pool speaks Redis; false: memcached ASCII' }),
  spec({ name: 'redis_auth', field: 'redisAuth', type: 'string', default: null, list: false, parse: parseString,
    description: 'password clients must AUTH with and the proxy sends to servers (redis pools only)' }),
  spec({ name: 'redis_db', field: 'redisDb', type: 'number', default: 0, list: false, parse: parseNumber,
    description: 'database to SELECT on new server connections when not 0' }),
  spec({ name: 'preconnect', field: 'preconnect', type: 'bool', default: false, list: false, parse: parseBool,
    description: 'connect to every server at startup' }),
  spec({ name: 'auto_eject_hosts', field: 'autoEjectHosts', type: 'bool', default: false, list: false, parse: parseBool,
    description: 'take a server out of the distribution after server_failure_limit consecutive failures' }),
  spec({ name: 'server_connections', field: 'serverConnections', type: 'number', default: 1, list: false, parse: parseNumber,
    description: 'max connections to each server (not 0)' }),
  spec({ name: 'server_retry_timeout', field: 'serverRetryTimeout', type: 'number', default: 30000, list: false, parse: parseNumber,
    description: 'ms an ejected server stays out before it is tried again' }),
  spec({ name: 'server_failure_limit', field: 'serverFailureLimit', type: 'number', default: 2, list: false, parse: parseNumber,
    description: 'consecutive failures that eject a server (0 acts as 1)' }),
  spec({ name: 'tcpkeepalive', field: 'tcpkeepalive', type: 'bool', default: false, list: false, parse: parseBool,
    description: 'SO_KEEPALIVE on accepted client connections' }),
  spec({ name: 'reuseport', field: 'reuseport', type: 'bool', default: false, list: false, parse: parseBool,
    description: 'SO_REUSEPORT on the pool listener (twemproxy HEAD; Debian 0.5.0 rejects it)' }),
  spec({ name: 'servers', field: 'servers', type: 'servers', default: undefined, list: true, parse: parseServer,
    description: 'list of "host:port:weight [name]" or "/unix/path:weight [name]"; at least one' }),
] as const;

export type Directive = (typeof DIRECTIVES)[number];
export type DirectiveName = Directive['name'];
export const DIRECTIVE_NAMES: readonly DirectiveName[] = DIRECTIVES.map((d) => d.name);

const BY_NAME: ReadonlyMap<string, Directive> = new Map(DIRECTIVES.map((d) => [d.name, d]));

/** The directive called exactly `name` (case-sensitive, as nutcracker), or undefined. */
export function findDirective(name: string): Directive | undefined {
  return BY_NAME.get(name);
}

/** The default value of every optional field, for building a PoolConfig. */
export function directiveDefaults(): Omit<PoolConfig, 'name' | 'listen' | 'servers'> {
  const out: Record<string, unknown> = {};
  for (const d of DIRECTIVES) if (d.default !== undefined) out[d.field] = d.default;
  return out as Omit<PoolConfig, 'name' | 'listen' | 'servers'>;
}

/** A Markdown table of the directives, for docs and `--help`-style output. */
export function directiveReference(): string {
  const rows = DIRECTIVES.map((d) => {
    const dflt = d.default === undefined ? 'required' : d.default === null ? 'none' : String(d.default);
    const type = 'allowed' in d && d.allowed ? `one of: ${d.allowed.join(' ')}` : d.type;
    return `| \`${d.name}\` | ${type} | ${dflt} | ${d.description} |`;
  });
  return ['| directive | type | default | meaning |', '|---|---|---|---|', ...rows].join('\n');
}
