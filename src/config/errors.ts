// Configuration problems: one table of stable codes → message templates, and the typed error that
// carries every problem found in one file. Templates keep nutcracker's wording (spec §2, so people
// can search for it) and add what nutcracker leaves out: which pool, which value, what is allowed.
// `{name}` placeholders are checked at compile time against the parameters passed to format().

export const CONFIG_PROBLEMS = {
  // The file and its YAML (spec §2.1).
  CONF_OPEN_FAILED: "conf: failed to open configuration '{file}': {reason}",
  CONF_ENCODING: "conf: '{file}' {reason}",
  CONF_YAML_SYNTAX: "conf: '{file}' is not valid YAML: {reason}",
  CONF_DOCUMENT_COUNT: "conf: '{file}' must contain only 1 document; found {count} documents",
  CONF_DISALLOWED_TOKEN:
    'conf: {kind} token ({n}) is disallowed: only block mappings, block "- " lists and plain or quoted scalars are accepted',
  // The shape: root mapping of pools, each a mapping of scalars plus one list (spec §2.1 rule 3).
  CONF_ROOT_SCALAR: `conf: '{file}' has invalid empty "key:" at depth 0: the top level must map pool names to pools`,
  CONF_SEQUENCE_DEPTH: `conf: '{file}' has sequence at depth {depth} instead of 2: only a pool's "servers:" may be a list`,
  CONF_POOL_KEY_NOT_SCALAR: `conf: '{file}' has more than one "key:value" at depth 1: a pool name must be a scalar`,
  CONF_POOL_NOT_MAPPING: `conf: pool '{pool}' has invalid mapping "key:" at depth 1: a pool must be a mapping of directives`,
  CONF_TOO_DEEP: `conf: pool '{pool}' has a depth greater than 2: directive "{directive}" holds a nested mapping`,
  CONF_KEY_NOT_SCALAR: `conf: pool '{pool}' has invalid "key:value" at depth 2: a directive name must be a scalar`,
  CONF_SECOND_SEQUENCE: `conf: pool '{pool}' has more than one sequence directive: "{directive}" is a second list`,
  CONF_MISSING_SEQUENCE: `conf: pool '{pool}' missing sequence directive at depth 2: "servers:" must be a "- " list`,
  CONF_EMPTY_POOL_NAME: "conf: '{file}' has an empty pool name",
  CONF_EMPTY_DIRECTIVE_NAME: `conf: pool '{pool}' has an empty directive name`,
  CONF_EMPTY_VALUE: `conf: pool '{pool}' directive "{directive}" has an empty value`,
  // One directive's value (spec §2.2–§2.5).
  CONF_UNKNOWN_DIRECTIVE: `conf: pool '{pool}' directive "{directive}" is unknown (one of: {allowed})`,
  CONF_DUPLICATE_DIRECTIVE: `conf: pool '{pool}' directive "{directive}" is a duplicate`,
  CONF_NOT_A_NUMBER: `conf: pool '{pool}' directive "{directive}": '{value}' is not a number (digits only, no sign)`,
  CONF_NOT_A_BOOL: `conf: pool '{pool}' directive "{directive}": '{value}' is not "true" or "false"`,
  CONF_INVALID_HASH: `conf: pool '{pool}' directive "{directive}": '{value}' is not a valid hash (one of: {allowed})`,
  CONF_INVALID_DISTRIBUTION: `conf: pool '{pool}' directive "{directive}": '{value}' is not a valid distribution (one of: {allowed})`,
  CONF_INVALID_HASH_TAG: `conf: pool '{pool}' directive "{directive}": '{value}' is not a valid hash tag string with two characters (it has {length} bytes)`,
  CONF_LISTEN_FORMAT: `conf: pool '{pool}' directive "{directive}": '{value}' has an invalid "hostname:port" format string`,
  CONF_LISTEN_PORT: `conf: pool '{pool}' directive "{directive}": '{value}' has an invalid port in "hostname:port" format string (1..65535)`,
  CONF_LISTEN_PERM: `conf: pool '{pool}' directive "{directive}": '{value}' has an invalid file permission in "socket_path permission" format string (octal, at most 0777)`,
  CONF_LISTEN_PATH_TOO_LONG: `conf: pool '{pool}' directive "{directive}": '{value}' has an invalid value: the socket path has {length} bytes, at most {max} fit`,
  CONF_LISTEN_UNRESOLVABLE: `conf: pool '{pool}' directive "{directive}": '{value}' has an invalid value: address resolution of node '{host}' failed: {reason}`,
  CONF_SERVER_FORMAT: `conf: pool '{pool}' directive "{directive}": '{value}' has an invalid "hostname:port:weight [name]" or "/path/unix_socket:weight [name]" format string`,
  CONF_SERVER_WEIGHT: `conf: pool '{pool}' directive "{directive}": '{value}' has an invalid weight in "hostname:port:weight [name]" format string`,
  CONF_SERVER_ZERO_WEIGHT: `conf: pool '{pool}' directive "{directive}": '{value}' has a zero weight in "hostname:port:weight [name]" format string`,
  CONF_SERVER_PORT: `conf: pool '{pool}' directive "{directive}": '{value}' has an invalid port in "hostname:port:weight [name]" format string (1..65535)`,
  // A whole pool, and pools against each other (spec §2.5 rule 9, §2.6).
  CONF_LISTEN_MISSING: `conf: pool '{pool}' directive "listen:" is missing`,
  CONF_SERVER_CONNECTIONS_ZERO: `conf: pool '{pool}' directive "server_connections:" cannot be 0`,
  CONF_REDIS_AUTH_NOT_REDIS: `conf: pool '{pool}' directive "redis_auth:" is only valid for a redis pool (add "redis: true")`,
  CONF_NO_SERVERS: `conf: pool '{pool}' has no servers`,
  CONF_DUPLICATE_SERVER: `conf: pool '{pool}' has servers with same name '{name}'`,
  CONF_DUPLICATE_LISTEN: `conf: pools '{pool}' and '{other}' have the same listen address '{listen}'`,
  CONF_DUPLICATE_POOL: "conf: '{file}' has pools with same name '{pool}'",
} as const;

export type ProblemCode = keyof typeof CONFIG_PROBLEMS;

/** The placeholder names of a template, e.g. 'pool' | 'directive' | 'value'. */
type Placeholders<T extends string> = T extends `${string}{${infer P}}${infer Rest}` ? P | Placeholders<Rest> : never;

export type ProblemParams<C extends ProblemCode> = Record<Placeholders<(typeof CONFIG_PROBLEMS)[C]>, string | number>;

export interface ConfigProblem {
  code: ProblemCode;
  /** The full human line, ending in `(line N)` when the line is known. */
  message: string;
  /** 1-based line in the file. */
  line?: number;
  pool?: string;
  directive?: string;
}

/** Build one problem: fill the template, append the line, keep pool/directive for callers. */
export function problem<C extends ProblemCode>(code: C, params: ProblemParams<C>, line?: number): ConfigProblem {
  const values = params as Record<string, string | number>;
  let message: string = CONFIG_PROBLEMS[code].replace(/\{(\w+)\}/g, (_m, name: string) => String(values[name]));
  if (line !== undefined) message += ` (line ${line})`;
  const p: ConfigProblem = { code, message };
  if (line !== undefined) p.line = line;
  if (typeof values.pool === 'string') p.pool = values.pool;
  if (typeof values.directive === 'string') p.directive = values.directive;
  return p;
}

/** Thrown by loadConfig: every problem in the file, the first one's code as `code`. */
export class ConfigError extends Error {
  readonly code: ProblemCode;
  readonly file: string;
  readonly problems: readonly ConfigProblem[];

  constructor(file: string, problems: readonly ConfigProblem[]) {
    super(problems.map((p) => p.message).join('\n'));
    this.name = 'ConfigError';
    this.file = file;
    this.problems = problems;
    if (problems.length === 0) throw new TypeError('a ConfigError needs at least one problem');
    this.code = problems[0].code;
  }
}

/** The codes a directive's value parser can reject a value with. */
export type ValueProblemCode = Extract<
  ProblemCode,
  | 'CONF_NOT_A_NUMBER'
  | 'CONF_NOT_A_BOOL'
  | 'CONF_INVALID_HASH'
  | 'CONF_INVALID_DISTRIBUTION'
  | 'CONF_INVALID_HASH_TAG'
  | `CONF_LISTEN_${string}`
  | `CONF_SERVER_${'FORMAT' | 'WEIGHT' | 'ZERO_WEIGHT' | 'PORT'}`
>;

/**
 * What a value parser returns instead of a value. The loader adds pool, directive, value and line;
 * `extra` holds the template's other placeholders (allowed values, lengths, ...).
 */
export class Reject {
  constructor(
    readonly code: ValueProblemCode,
    readonly extra: Readonly<Record<string, string | number>> = {},
  ) {}
}
