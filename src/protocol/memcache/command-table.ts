// The memcached ASCII command table (spec §7.1): every command name the request scanner knows, its
// grammar class, and the byte-keyed lookup used on the hot path. `msg.cmd` is an index into
// `commandTable` (-1 for an unknown name or an empty line). Names are lowercase only, as in memcached
// and nutcracker: `GET` is an unknown command.

/** Grammar classes: decide how the rest of the line is read and what the core is asked to do. */
export const CommandKind = {
  /** `get|gets <key>+` */
  retrieval: 0,
  /** `gat|gats <exptime> <key>+` (memcached ≥ 1.5 get-and-touch) */
  getAndTouch: 1,
  /** `<cmd> <key> <flags> <exptime> <bytes> [noreply]\r\n<data>\r\n` */
  storage: 2,
  /** `cas <key> <flags> <exptime> <bytes> <cas> [noreply]\r\n<data>\r\n` */
  cas: 3,
  /** `incr|decr <key> <delta> [noreply]` */
  arithmetic: 4,
  /** `touch <key> <exptime> [noreply]` */
  touch: 5,
  /** `delete <key> [0] [noreply]` (memcached still accepts a legacy hold time of 0) */
  delete: 6,
  /** `version`: forwarded to the server that owns the key `placeholder` (as nutcracker does). */
  version: 7,
  /** `quit`: no reply; earlier replies are delivered, then the connection closes. */
  quit: 8,
  /** A real memcached command the proxy cannot shard: answered `SERVER_ERROR unsupported command`. */
  unsupported: 9,
  /** `ms <key> <datalen> <flag>*\r\n<data>\r\n`: unsupported, but its data block must be skipped. */
  unsupportedWithData: 10,
} as const;

export const commandTable = [
  { name: 'get', kind: CommandKind.retrieval },
  { name: 'gets', kind: CommandKind.retrieval },
  { name: 'gat', kind: CommandKind.getAndTouch },
  { name: 'gats', kind: CommandKind.getAndTouch },
  { name: 'set', kind: CommandKind.storage },
  { name: 'add', kind: CommandKind.storage },
  { name: 'replace', kind: CommandKind.storage },
  { name: 'append', kind: CommandKind.storage },
  { name: 'prepend', kind: CommandKind.storage },
  { name: 'cas', kind: CommandKind.cas },
  { name: 'incr', kind: CommandKind.arithmetic },
  { name: 'decr', kind: CommandKind.arithmetic },
  { name: 'touch', kind: CommandKind.touch },
  { name: 'delete', kind: CommandKind.delete },
  { name: 'version', kind: CommandKind.version },
  { name: 'quit', kind: CommandKind.quit },
  // Server-wide or administrative commands: no key to route by, or a meaning that does not survive
  // sharding. memcached knows them, so a client gets a clear error instead of memcached's bare ERROR.
  { name: 'stats', kind: CommandKind.unsupported },
  { name: 'flush_all', kind: CommandKind.unsupported },
  { name: 'verbosity', kind: CommandKind.unsupported },
  { name: 'cache_memlimit', kind: CommandKind.unsupported },
  { name: 'shutdown', kind: CommandKind.unsupported },
  { name: 'slabs', kind: CommandKind.unsupported },
  { name: 'lru', kind: CommandKind.unsupported },
  { name: 'lru_crawler', kind: CommandKind.unsupported },
  { name: 'watch', kind: CommandKind.unsupported },
  { name: 'extstore', kind: CommandKind.unsupported },
  { name: 'misbehave', kind: CommandKind.unsupported },
  { name: 'mn', kind: CommandKind.unsupported },
  { name: 'mg', kind: CommandKind.unsupported },
  { name: 'md', kind: CommandKind.unsupported },
  { name: 'ma', kind: CommandKind.unsupported },
  { name: 'me', kind: CommandKind.unsupported },
  { name: 'ms', kind: CommandKind.unsupportedWithData },
] as const;

/** Longest command name: tokens longer than this cannot be commands (no lookup needed). */
const MAX_NAME = 16;

/** Name bytes grouped by length, so a lookup compares only names of the token's length. */
const byLength: { bytes: Buffer; index: number }[][] = [];
for (let i = 0; i <= MAX_NAME; i++) byLength.push([]);
commandTable.forEach((c, index) => {
  if (c.name.length > MAX_NAME) throw new Error(`command name too long: ${c.name}`);
  byLength[c.name.length].push({ bytes: Buffer.from(c.name, 'latin1'), index });
});

/** Index into `commandTable` of the name in buf[start, end), or -1. Case-sensitive, no allocation. */
export function lookupCommand(buf: Uint8Array, start: number, end: number): number {
  const len = end - start;
  if (len <= 0 || len > MAX_NAME) return -1;
  const group = byLength[len];
  outer: for (let g = 0; g < group.length; g++) {
    const name = group[g].bytes;
    for (let i = 0; i < len; i++) if (name[i] !== buf[start + i]) continue outer;
    return group[g].index;
  }
  return -1;
}
