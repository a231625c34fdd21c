// The Redis command table: every command the proxy accepts, with its routing class and arity
// (spec §6.2), and the lookup from a command name's bytes to its table index. The names marked
// `nc` are exactly nutcracker 0.5.0's 137; the others are answered by the proxy itself.
// Lookup never builds a string: names are lowercased into a scratch buffer and found by hash.

/** How a command is routed; each class also fixes the default argument count. */
export const CommandClass = {
  /** `CMD key`: forward by key. */
  keyOnly: 0,
  /** `CMD key a`. */
  key1: 1,
  /** `CMD key a b`. */
  key2: 2,
  /** `CMD key a b c`. */
  key3: 3,
  /** `CMD key [any...]`: forward whole by the first key. */
  keyAny: 4,
  /** `CMD key [key...]`: split by key when there are ≥ 2 (MGET DEL UNLINK TOUCH EXISTS). */
  multiKey: 5,
  /** `MSET key value [key value...]`: split by key when there are ≥ 2 pairs. */
  multiPair: 6,
  /** `EVAL script numkeys key... arg...`: forward by the first key. */
  eval: 7,
  /** No key: forward to the server that owns the key "placeholder" (as nutcracker). */
  keylessForward: 8,
  /** Answered by the proxy (local-commands.ts). */
  local: 9,
  /** Known to nutcracker but refused by us (MOVE: nutcracker closes the connection, spec §6.4). */
  refused: 10,
} as const;
export type CommandClassValue = (typeof CommandClass)[keyof typeof CommandClass];

/** Default [min, max] argument count (command name included) per class; -1 = unbounded. */
const CLASS_ARITY: readonly (readonly [number, number])[] = [
  [2, 2], [3, 3], [4, 4], [5, 5], [2, -1], [2, -1], [3, -1], [3, -1], [1, -1], [1, -1], [1, -1],
];

const C = CommandClass;

/**
 * The one command table. `min`/`max` override the class arity where Redis 7 accepts more than
 * nutcracker did (EXPIRE's NX|XX|GT|LT, ZRANK's WITHSCORE) or where a local command needs it.
 */
export const REDIS_COMMANDS = [
  // key only
  { name: 'auth', cls: C.local, nc: true, min: 2, max: 3 },
  { name: 'decr', cls: C.keyOnly, nc: true },
  { name: 'dump', cls: C.keyOnly, nc: true },
  { name: 'get', cls: C.keyOnly, nc: true },
  { name: 'getdel', cls: C.keyOnly, nc: true },
  { name: 'hgetall', cls: C.keyOnly, nc: true },
  { name: 'hkeys', cls: C.keyOnly, nc: true },
  { name: 'hlen', cls: C.keyOnly, nc: true },
  { name: 'hvals', cls: C.keyOnly, nc: true },
  { name: 'incr', cls: C.keyOnly, nc: true },
  { name: 'llen', cls: C.keyOnly, nc: true },
  { name: 'persist', cls: C.keyOnly, nc: true },
  { name: 'pttl', cls: C.keyOnly, nc: true },
  { name: 'scard', cls: C.keyOnly, nc: true },
  { name: 'smembers', cls: C.keyOnly, nc: true },
  { name: 'strlen', cls: C.keyOnly, nc: true },
  { name: 'ttl', cls: C.keyOnly, nc: true },
  { name: 'type', cls: C.keyOnly, nc: true },
  { name: 'zcard', cls: C.keyOnly, nc: true },
  // key + 1
  { name: 'append', cls: C.key1, nc: true },
  { name: 'decrby', cls: C.key1, nc: true },
  { name: 'expire', cls: C.key1, nc: true, max: 4 },
  { name: 'expireat', cls: C.key1, nc: true, max: 4 },
  { name: 'getbit', cls: C.key1, nc: true },
  { name: 'getset', cls: C.key1, nc: true },
  { name: 'hexists', cls: C.key1, nc: true },
  { name: 'hget', cls: C.key1, nc: true },
  { name: 'hstrlen', cls: C.key1, nc: true },
  { name: 'incrby', cls: C.key1, nc: true },
  { name: 'incrbyfloat', cls: C.key1, nc: true },
  { name: 'lindex', cls: C.key1, nc: true },
  { name: 'move', cls: C.refused, nc: true },
  { name: 'pexpire', cls: C.key1, nc: true, max: 4 },
  { name: 'pexpireat', cls: C.key1, nc: true, max: 4 },
  { name: 'rpoplpush', cls: C.key1, nc: true },
  { name: 'setnx', cls: C.key1, nc: true },
  { name: 'sismember', cls: C.key1, nc: true },
  { name: 'zrank', cls: C.key1, nc: true, max: 4 },
  { name: 'zrevrank', cls: C.key1, nc: true, max: 4 },
  { name: 'zscore', cls: C.key1, nc: true },
  // key + 2
  { name: 'getrange', cls: C.key2, nc: true },
  { name: 'hincrby', cls: C.key2, nc: true },
  { name: 'hincrbyfloat', cls: C.key2, nc: true },
  { name: 'hsetnx', cls: C.key2, nc: true },
  { name: 'lrange', cls: C.key2, nc: true },
  { name: 'lrem', cls: C.key2, nc: true },
  { name: 'lset', cls: C.key2, nc: true },
  { name: 'ltrim', cls: C.key2, nc: true },
  { name: 'psetex', cls: C.key2, nc: true },
  { name: 'setbit', cls: C.key2, nc: true },
  { name: 'setex', cls: C.key2, nc: true },
  { name: 'setrange', cls: C.key2, nc: true },
  { name: 'smove', cls: C.key2, nc: true },
  { name: 'zcount', cls: C.key2, nc: true },
  { name: 'zincrby', cls: C.key2, nc: true },
  { name: 'zlexcount', cls: C.key2, nc: true },
  { name: 'zremrangebylex', cls: C.key2, nc: true },
  { name: 'zremrangebyrank', cls: C.key2, nc: true },
  { name: 'zremrangebyscore', cls: C.key2, nc: true },
  // key + 3
  { name: 'linsert', cls: C.key3, nc: true },
  { name: 'lmove', cls: C.key3, nc: true },
  // key + any
  { name: 'bitcount', cls: C.keyAny, nc: true },
  { name: 'bitfield', cls: C.keyAny, nc: true },
  { name: 'bitpos', cls: C.keyAny, nc: true },
  { name: 'copy', cls: C.keyAny, nc: true },
  { name: 'geoadd', cls: C.keyAny, nc: true },
  { name: 'geodist', cls: C.keyAny, nc: true },
  { name: 'geohash', cls: C.keyAny, nc: true },
  { name: 'geopos', cls: C.keyAny, nc: true },
  { name: 'georadius', cls: C.keyAny, nc: true },
  { name: 'georadiusbymember', cls: C.keyAny, nc: true },
  { name: 'geosearch', cls: C.keyAny, nc: true },
  { name: 'geosearchstore', cls: C.keyAny, nc: true },
  { name: 'getex', cls: C.keyAny, nc: true },
  { name: 'hdel', cls: C.keyAny, nc: true },
  { name: 'hmget', cls: C.keyAny, nc: true },
  { name: 'hmset', cls: C.keyAny, nc: true },
  { name: 'hrandfield', cls: C.keyAny, nc: true },
  { name: 'hscan', cls: C.keyAny, nc: true },
  { name: 'hset', cls: C.keyAny, nc: true },
  { name: 'lpop', cls: C.keyAny, nc: true },
  { name: 'lpos', cls: C.keyAny, nc: true },
  { name: 'lpush', cls: C.keyAny, nc: true },
  { name: 'lpushx', cls: C.keyAny, nc: true },
  { name: 'pfadd', cls: C.keyAny, nc: true },
  { name: 'pfcount', cls: C.keyAny, nc: true },
  { name: 'pfmerge', cls: C.keyAny, nc: true },
  { name: 'restore', cls: C.keyAny, nc: true },
  { name: 'rpop', cls: C.keyAny, nc: true },
  { name: 'rpush', cls: C.keyAny, nc: true },
  { name: 'rpushx', cls: C.keyAny, nc: true },
  { name: 'sadd', cls: C.keyAny, nc: true },
  { name: 'sdiff', cls: C.keyAny, nc: true },
  { name: 'sdiffstore', cls: C.keyAny, nc: true },
  { name: 'set', cls: C.keyAny, nc: true },
  { name: 'sinter', cls: C.keyAny, nc: true },
  { name: 'sinterstore', cls: C.keyAny, nc: true },
  { name: 'smismember', cls: C.keyAny, nc: true },
  { name: 'sort', cls: C.keyAny, nc: true },
  { name: 'spop', cls: C.keyAny, nc: true },
  { name: 'srandmember', cls: C.keyAny, nc: true },
  { name: 'srem', cls: C.keyAny, nc: true },
  { name: 'sscan', cls: C.keyAny, nc: true },
  { name: 'sunion', cls: C.keyAny, nc: true },
  { name: 'sunionstore', cls: C.keyAny, nc: true },
  { name: 'zadd', cls: C.keyAny, nc: true },
  { name: 'zdiff', cls: C.keyAny, nc: true },
  { name: 'zdiffstore', cls: C.keyAny, nc: true },
  { name: 'zinter', cls: C.keyAny, nc: true },
  { name: 'zinterstore', cls: C.keyAny, nc: true },
  { name: 'zmscore', cls: C.keyAny, nc: true },
  { name: 'zpopmax', cls: C.keyAny, nc: true },
  { name: 'zpopmin', cls: C.keyAny, nc: true },
  { name: 'zrandmember', cls: C.keyAny, nc: true },
  { name: 'zrange', cls: C.keyAny, nc: true },
  { name: 'zrangebylex', cls: C.keyAny, nc: true },
  { name: 'zrangebyscore', cls: C.keyAny, nc: true },
  { name: 'zrangestore', cls: C.keyAny, nc: true },
  { name: 'zrem', cls: C.keyAny, nc: true },
  { name: 'zrevrange', cls: C.keyAny, nc: true },
  { name: 'zrevrangebylex', cls: C.keyAny, nc: true },
  { name: 'zrevrangebyscore', cls: C.keyAny, nc: true },
  { name: 'zscan', cls: C.keyAny, nc: true },
  { name: 'zunion', cls: C.keyAny, nc: true },
  { name: 'zunionstore', cls: C.keyAny, nc: true },
  // multi-key, split (nutcracker routes EXISTS by its first key only; we split it and sum)
  { name: 'del', cls: C.multiKey, nc: true },
  { name: 'exists', cls: C.multiKey, nc: true },
  { name: 'mget', cls: C.multiKey, nc: true },
  { name: 'touch', cls: C.multiKey, nc: true },
  { name: 'unlink', cls: C.multiKey, nc: true },
  { name: 'mset', cls: C.multiPair, nc: true },
  // scripts
  { name: 'eval', cls: C.eval, nc: true },
  { name: 'evalsha', cls: C.eval, nc: true },
  // no key
  { name: 'command', cls: C.keylessForward, nc: true },
  { name: 'lolwut', cls: C.keylessForward, nc: true },
  { name: 'ping', cls: C.local, nc: true, max: 2 },
  { name: 'quit', cls: C.local, nc: true },
  // answered by the proxy; nutcracker closes the connection on these
  { name: 'client', cls: C.local, nc: false, min: 2 },
  { name: 'echo', cls: C.local, nc: false, min: 2, max: 2 },
  { name: 'hello', cls: C.local, nc: false },
  { name: 'info', cls: C.local, nc: false },
  { name: 'select', cls: C.local, nc: false, min: 2, max: 2 },
] as const satisfies readonly { name: string; cls: CommandClassValue; nc: boolean; min?: number; max?: number }[];

export type RedisCommandName = (typeof REDIS_COMMANDS)[number]['name'];

/** Per index: class, minimum and maximum argc (-1 = unbounded). */
export const CMD_CLASS: Uint8Array = new Uint8Array(REDIS_COMMANDS.length);
export const CMD_MIN_ARGC: Int32Array = new Int32Array(REDIS_COMMANDS.length);
export const CMD_MAX_ARGC: Int32Array = new Int32Array(REDIS_COMMANDS.length);
/** Lowercase name bytes per index (lookup compares against them; split writes them into fragments). */
export const CMD_NAME_BYTES: Buffer[] = [];

/** Longest command name in the table: longer names are unknown without hashing. */
export let MAX_COMMAND_NAME = 0;

// Open-addressing hash table of table indexes (+1; 0 = empty slot), keyed by FNV-1a of the
// lowercased name. 512 slots for ~140 names keeps probe chains to one or two compares.
const SLOTS = 512;
const slotIndex = new Int16Array(SLOTS);

function fnv1a(buf: Uint8Array, len: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < len; i++) h = Math.imul(h ^ buf[i], 0x01000193);
  return h >>> 0;
}

for (let i = 0; i < REDIS_COMMANDS.length; i++) {
  const spec: { name: string; cls: number; min?: number; max?: number } = REDIS_COMMANDS[i];
  const [min, max] = CLASS_ARITY[spec.cls];
  CMD_CLASS[i] = spec.cls;
  CMD_MIN_ARGC[i] = spec.min ?? min;
  CMD_MAX_ARGC[i] = spec.max ?? max;
  const bytes = Buffer.from(spec.name, 'latin1');
  CMD_NAME_BYTES.push(bytes);
  if (bytes.length > MAX_COMMAND_NAME) MAX_COMMAND_NAME = bytes.length;
  let slot = fnv1a(bytes, bytes.length) & (SLOTS - 1);
  while (slotIndex[slot] !== 0) slot = (slot + 1) & (SLOTS - 1);
  slotIndex[slot] = i + 1;
}

/** Index of the command whose lowercase name is `lower[0, len)`, or -1. */
export function lookupCommand(lower: Uint8Array, len: number): number {
  if (len === 0 || len > MAX_COMMAND_NAME) return -1;
  let slot = fnv1a(lower, len) & (SLOTS - 1);
  for (;;) {
    const idx = slotIndex[slot] - 1;
    if (idx < 0) return -1;
    const name = CMD_NAME_BYTES[idx];
    if (name.length === len) {
      let i = 0;
      while (i < len && name[i] === lower[i]) i++;
      if (i === len) return idx;
    }
    slot = (slot + 1) & (SLOTS - 1);
  }
}

/** Index of a command by its (lowercase) name; throws for a name not in the table (start-up use). */
export function commandIndex(name: RedisCommandName): number {
  const idx = REDIS_COMMANDS.findIndex((c) => c.name === name);
  if (idx < 0) throw new Error(`no redis command '${name}'`);
  return idx;
}

/** The lowercase name of a table index ('unknown' for -1, used for unsupported commands). */
export function commandName(idx: number): string {
  return idx >= 0 && idx < REDIS_COMMANDS.length ? REDIS_COMMANDS[idx].name : 'unknown';
}
