// Loading a configuration file (spec §2): the YAML subset (yaml-subset.ts), every directive through
// the table (directives.ts), nutcracker's per-pool and whole-file validation, `listen` resolution,
// and the name sort of servers and pools (§2.7). Every problem is collected, not just the first, so
// one `-t` run shows everything wrong; the verdict valid/invalid is nutcracker 0.5.0's.

import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Address, Config, PoolConfig, ServerConfig } from './types';
import { ConfigError, problem, Reject, type ConfigProblem, type ProblemParams } from './errors';
import { DIRECTIVE_NAMES, directiveDefaults, findDirective } from './directives';
import { compareNames } from './name-order';
import { resolveHostsSync } from './resolve-host';
import { readYamlSubset, type YamlPool } from './yaml-subset';
import { strerror } from '../log/strerror';

export interface ConfigCheck {
  /** The validated configuration, or null when there is any problem. */
  config: Config | null;
  /** Sorted by line; empty when `config` is not null. */
  problems: ConfigProblem[];
}

/** Load and validate `file`; throws ConfigError listing every problem. */
export function loadConfig(file: string): Config {
  const { config, problems } = checkConfig(file);
  if (config === null) throw new ConfigError(file, problems);
  return config;
}

/** Load and validate `file`, returning the problems instead of throwing. */
export function checkConfig(file: string): ConfigCheck {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (err) {
    return { config: null, problems: [problem('CONF_OPEN_FAILED', { file, reason: strerror(err) })] };
  }
  return checkConfigText(bytes, file, resolve(file));
}

/** Validate YAML text as if read from `file` (messages name `file`; Config.file is `absolute`). */
export function checkConfigText(text: string | Buffer, file = '<text>', absolute = file): ConfigCheck {
  const bytes = typeof text === 'string' ? Buffer.from(text, 'utf8') : text;
  const yaml = readYamlSubset(file, bytes);
  const problems = yaml.problems;
  const drafts = yaml.pools.map((pool) => buildPool(pool, problems));
  resolveListen(drafts, problems);
  checkAcrossPools(file, drafts, problems);

  problems.sort((a, b) => (a.line ?? Infinity) - (b.line ?? Infinity));
  if (problems.length > 0) return { config: null, problems };
  const pools = drafts.map((d) => d.pool as PoolConfig).sort((a, b) => compareNames(a.name, b.name));
  return { config: { file: absolute, text: bytes, pools }, problems };
}

/** A pool being built, with the lines problems found later should point at. */
interface Draft {
  name: string;
  line: number;
  listenLine: number;
  /** Null when the pool has a problem of its own (the file is invalid then anyway). */
  pool: PoolConfig | null;
  listen: Address | null;
}

/**
 * Feed every value to its directive's parser the way nc_conf.c does: a scalar once, each item of a
 * list once (a list under any key is accepted item by item; only `servers` can use more than one),
 * then apply defaults and the per-pool checks of conf_validate_pool.
 */
function buildPool(yaml: YamlPool, problems: ConfigProblem[]): Draft {
  const name = yaml.name.text;
  const before = problems.length;
  const values: Record<string, unknown> = {};
  const lines: Record<string, number> = {};
  const given = new Set<string>();
  const failed = new Set<string>();
  const servers: { server: ServerConfig; line: number }[] = [];

  for (const entry of yaml.directives) {
    const spec = findDirective(entry.key.text);
    if (spec === undefined) {
      const allowed = DIRECTIVE_NAMES.join(' ');
      problems.push(problem('CONF_UNKNOWN_DIRECTIVE', { pool: name, directive: entry.key.text, allowed }, entry.key.line));
      continue;
    }
    for (const value of entry.values) {
      if (!spec.list && given.has(spec.name)) {
        problems.push(problem('CONF_DUPLICATE_DIRECTIVE', { pool: name, directive: spec.name }, value.line));
        continue;
      }
      given.add(spec.name);
      lines[spec.name] = value.line;
      if (value.text === '') {
        failed.add(spec.name); // reported by yaml-subset
        continue;
      }
      const parsed = spec.parse(value.text);
      if (parsed instanceof Reject) {
        failed.add(spec.name);
        const params = { ...parsed.extra, pool: name, directive: spec.name, value: value.text };
        problems.push(problem(parsed.code, params as ProblemParams<typeof parsed.code>, value.line));
      } else if (spec.list) {
        servers.push({ server: parsed as ServerConfig, line: value.line });
      } else {
        values[spec.field] = parsed;
      }
    }
  }

  const pool: PoolConfig = {
    name,
    listen: values.listen as Address,
    ...directiveDefaults(),
    ...(values as Partial<PoolConfig>),
    servers: servers.map((s) => s.server).sort((a, b) => compareNames(a.name, b.name)),
  };
  if (!given.has('listen')) problems.push(problem('CONF_LISTEN_MISSING', { pool: name }, yaml.name.line));
  if (values.serverConnections === 0) {
    problems.push(problem('CONF_SERVER_CONNECTIONS_ZERO', { pool: name }, lines.server_connections));
  }
  if (pool.redisAuth !== null && !pool.redis) {
    problems.push(problem('CONF_REDIS_AUTH_NOT_REDIS', { pool: name }, lines.redis_auth));
  }
  if (servers.length === 0 && !failed.has('servers')) problems.push(problem('CONF_NO_SERVERS', { pool: name }, yaml.name.line));
  // Duplicates by name, reported once per name at its second appearance in the file.
  const byName = new Map<string, number>();
  for (const { server, line } of servers) {
    const n = (byName.get(server.name) ?? 0) + 1;
    byName.set(server.name, n);
    if (n === 2) problems.push(problem('CONF_DUPLICATE_SERVER', { pool: name, name: server.name }, line));
  }

  const ok = problems.length === before && pool.listen !== undefined;
  return {
    name,
    line: yaml.name.line,
    listenLine: lines.listen ?? yaml.name.line,
    pool: ok ? pool : null,
    listen: (values.listen as Address | undefined) ?? null,
  };
}

/** TCP listen hosts are resolved now, as nutcracker does; the first address is what we bind. */
function resolveListen(drafts: Draft[], problems: ConfigProblem[]): void {
  const tcp = drafts.filter((d) => d.listen !== null && d.listen.path === null);
  if (tcp.length === 0) return;
  const answers = resolveHostsSync(tcp.map((d) => (d.listen as Address).host));
  for (const d of tcp) {
    const listen = d.listen as Address;
    const answer = answers.get(listen.host);
    if (answer !== undefined && 'address' in answer) {
      listen.host = answer.address;
      continue;
    }
    const reason = answer?.error ?? 'not resolved';
    const params = { pool: d.name, directive: 'listen', value: listen.raw, host: listen.host, reason };
    problems.push(problem('CONF_LISTEN_UNRESOLVABLE', params, d.listenLine));
    d.pool = null;
  }
}

/**
 * conf_post_validate: no two pools with the same `listen` text, no two with the same name. (Its
 * "has no pools" cannot happen here: the shape check already needs a root mapping, which in block
 * YAML always has an entry.)
 */
function checkAcrossPools(file: string, drafts: Draft[], problems: ConfigProblem[]): void {
  const byListen = new Map<string, Draft>();
  const byName = new Map<string, Draft>();
  for (const d of drafts) {
    if (d.listen !== null) {
      const first = byListen.get(d.listen.raw);
      if (first === undefined) byListen.set(d.listen.raw, d);
      else problems.push(problem('CONF_DUPLICATE_LISTEN', { pool: first.name, other: d.name, listen: d.listen.raw }, d.listenLine));
    }
    if (byName.has(d.name)) problems.push(problem('CONF_DUPLICATE_POOL', { file, pool: d.name }, d.line));
    else byName.set(d.name, d);
  }
}
