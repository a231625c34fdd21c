// The Prometheus endpoint end to end (issue 7): our proxy with `metricsPort: 0` in front of real redis
// and memcached servers, known traffic, then GET /metrics parsed strictly (text format rules,
// cumulative buckets, +Inf = _count). Every pool and server figure must equal the stats JSON, and the
// latency histograms must have counted exactly the requests answered and the responses read.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { POOL_METRICS, SERVER_METRICS } from '../../../src/stats/metrics';
import { startMemcached, startRedis, type Backend } from '../../helpers/backends';
import { httpGet, type HttpReply } from '../../helpers/http-get';
import { freePort } from '../../helpers/ports';
import { poolYaml, startProxy, type RunningProxy } from '../../helpers/proxy';
import { connect, resp } from '../../helpers/wire';
import { parsePrometheus, type Family } from '../../unit/stats/prom-parser';
import { integerValues, settledStats } from './stats-doc';

const T = { timeout: 60_000 };

const scrape = (port: number): Promise<HttpReply> => httpGet(port, '/metrics');

/** The one sample of `family` whose labels are exactly `labels`. */
function sample(fams: Map<string, Family>, family: string, name: string, labels: Record<string, string>): number {
  const fam = fams.get(family);
  assert.ok(fam, `family ${family} missing`);
  const want = JSON.stringify(Object.entries(labels).sort());
  const found = fam.samples.filter((s) => s.name === name && JSON.stringify(Object.entries(s.labels).sort()) === want);
  assert.equal(found.length, 1, `${name}${want}: ${found.length} samples`);
  return found[0].value;
}

/** Family name of a stats-table metric, by the exporter's documented rule (prometheus.ts header). */
function familyName(scope: 'pool' | 'server', metric: string, kind: string): string {
  const short = scope === 'server' && metric.startsWith('server_') ? metric.slice('server_'.length) : metric;
  const suffix = kind === 'counter' ? '_total' : kind === 'timestamp' ? '_seconds' : '';
  return `twemproxy_${scope}_${short}${suffix}`;
}

interface Setup {
  proxy: RunningProxy;
  ports: Record<string, number>;
  backends: Backend[];
}

/** alpha: redis over two servers; beta: memcached over two; gamma: redis whose only server is down. */
async function setup(metricsPort: number | null): Promise<Setup> {
  const backends = [await startRedis(), await startRedis(), await startMemcached(), await startMemcached()];
  const dead = { port: await freePort() };
  const { yaml, ports } = await poolYaml(
    { name: 'alpha', redis: true, servers: backends.slice(0, 2) },
    { name: 'beta', servers: backends.slice(2) },
    { name: 'gamma', redis: true, servers: [dead] },
  );
  try {
    return { proxy: await startProxy(yaml, { metricsPort }), ports, backends };
  } catch (err) {
    for (const b of backends) await b.stop();
    throw err;
  }
}

async function teardown(s: Setup): Promise<void> {
  await s.proxy.stop();
  for (const b of s.backends) await b.stop();
}

/** Client requests answered per pool by the traffic below, local answers (PING) not included. */
const ANSWERED = { alpha: 2 * 25 + 3, beta: 2 * 10 + 2, gamma: 2 } as const;

/** Known traffic; every reply is read, so nothing is in flight afterwards. */
async function traffic(ports: Record<string, number>): Promise<void> {
  const r = await connect(ports.alpha);
  const keys = Array.from({ length: 25 }, (_, i) => `k${i}`);
  r.send(Buffer.concat([...keys.map((k) => resp('SET', k, `v${k}`)), ...keys.map((k) => resp('GET', k))]));
  await r.readReplies(50, 'redis');
  r.send(Buffer.concat([resp('MGET', ...keys.slice(0, 6)), resp('DEL', 'k0', 'k1', 'k2'), resp('PING'), resp('INCR', 'n')]));
  await r.readReplies(4, 'redis');
  await r.close();

  const m = await connect(ports.beta);
  const mkeys = Array.from({ length: 10 }, (_, i) => `m${i}`);
  m.send(mkeys.map((k) => `set ${k} 0 0 ${k.length}\r\n${k}\r\n`).join('') + mkeys.map((k) => `get ${k}\r\n`).join(''));
  await m.readReplies(20, 'memcache');
  m.send(`get ${mkeys.join(' ')}\r\ngets m1 m2 nokey\r\n`);
  await m.readReplies(2, 'memcache');
  await m.close();

  const g = await connect(ports.gamma);
  g.send(Buffer.concat([resp('GET', 'x'), resp('SET', 'x', '1')]));
  const failed = (await g.readReplies(2, 'redis')).map(String);
  assert.deepEqual(failed, ['-ERR Connection refused\r\n', '-ERR Connection refused\r\n']);
  await g.close();
}

const POOLS = ['alpha', 'beta', 'gamma'] as const;

test('GET /metrics parses strictly and agrees with the stats JSON and the traffic sent', T, async () => {
  const s = await setup(0);
  try {
    await traffic(s.ports);
    const json = integerValues((await settledStats(s.proxy.statsPort, { until: (v) => POOLS.every((p) => v.get(`${p}.client_connections`) === 0n) })).entries);
    const res = await scrape(s.proxy.proxy.metricsPort);
    assert.equal(res.status, 200);
    assert.equal(res.type, 'text/plain; version=0.0.4; charset=utf-8');
    const fams = parsePrometheus(res.body); // throws on any format violation, incl. inconsistent buckets

    assert.equal(sample(fams, 'twemproxy_connections_total', 'twemproxy_connections_total', {}), Number(json.get('total_connections')));
    assert.equal(sample(fams, 'twemproxy_connections', 'twemproxy_connections', {}), Number(json.get('curr_connections')));

    const servers = new Map<string, string[]>([['alpha', ['s1', 's2']], ['beta', ['s1', 's2']], ['gamma', ['s1']]]);
    for (const pool of POOLS) {
      for (const m of POOL_METRICS) {
        const name = familyName('pool', m.name, m.kind);
        assert.equal(sample(fams, name, name, { pool }), Number(json.get(`${pool}.${m.name}`)), `${name}{pool="${pool}"}`);
      }
      for (const server of servers.get(pool) ?? []) {
        const labels = { pool, server };
        for (const m of SERVER_METRICS) {
          const name = familyName('server', m.name, m.kind);
          const scale = m.kind === 'timestamp' ? 1e-6 : 1;
          assert.equal(sample(fams, name, name, labels), Number(json.get(`${pool}.${server}.${m.name}`)) * scale, `${name}{${pool},${server}}`);
        }
        // One response-time observation per response read from this server.
        const rsp = 'twemproxy_server_response_duration_seconds';
        assert.equal(sample(fams, rsp, `${rsp}_count`, labels), Number(json.get(`${pool}.${server}.responses`)), `${rsp}{${pool},${server}}`);
      }
      // One latency observation per client request answered, error replies included, PING excluded.
      const req = 'twemproxy_pool_request_duration_seconds';
      assert.equal(sample(fams, req, `${req}_count`, { pool }), ANSWERED[pool], `${req}_count{pool="${pool}"}`);
      assert.equal(sample(fams, req, `${req}_bucket`, { pool, le: '+Inf' }), ANSWERED[pool]);
      assert.ok(sample(fams, req, `${req}_sum`, { pool }) > 0, 'latencies add up to more than nothing');
    }

    // The scenario happened as intended, so the equalities above compare real numbers.
    assert.equal(json.get('alpha.forward_error'), 0n);
    assert.equal(json.get('gamma.forward_error'), 2n);
    assert.equal(json.get('gamma.s1.requests'), 2n);
    assert.equal(json.get('gamma.s1.responses'), 0n);
    const responses = (pool: string): number => Number(json.get(`${pool}.s1.responses`)) + Number(json.get(`${pool}.s2.responses`));
    // SET+GET ×25 and INCR, plus one response per fragment of MGET and DEL.
    assert.equal(responses('alpha'), 51 + Number(json.get('alpha.fragments')));
    assert.ok(Number(json.get('alpha.fragments')) >= 2);
    // set+get ×10, plus one response per fragment of the two multi-gets.
    assert.equal(responses('beta'), 20 + Number(json.get('beta.fragments')));
  } finally {
    await teardown(s);
  }
});

test('counters only grow between two scrapes, by the requests sent in between', T, async () => {
  const s = await setup(0);
  try {
    await traffic(s.ports);
    const first = parsePrometheus((await scrape(s.proxy.proxy.metricsPort)).body);
    await traffic(s.ports);
    const second = parsePrometheus((await scrape(s.proxy.proxy.metricsPort)).body);
    for (const [name, fam] of first) {
      if (fam.type !== 'counter' || !name.startsWith('twemproxy_')) continue;
      fam.samples.forEach((smp, i) => assert.ok((second.get(name)?.samples[i].value ?? -1) >= smp.value, `${name} went down`));
    }
    const req = 'twemproxy_pool_request_duration_seconds';
    for (const pool of POOLS) {
      assert.equal(sample(second, req, `${req}_count`, { pool }) - sample(first, req, `${req}_count`, { pool }), ANSWERED[pool]);
    }
  } finally {
    await teardown(s);
  }
});

test('without a metrics port the latency histograms are never fed', T, async () => {
  const s = await setup(null);
  try {
    await traffic(s.ports);
    assert.equal(s.proxy.proxy.metricsPort, 0, 'no endpoint bound');
    const snap = s.proxy.proxy.snapshot();
    const alpha = snap.pools.find((p) => p.name === 'alpha');
    assert.ok(alpha !== undefined && alpha.servers.every((srv) => srv.stats.responses > 0), 'the traffic reached the servers');
    for (const pool of snap.pools) {
      assert.equal(pool.latency.count, 0, `pool ${pool.name}`);
      for (const srv of pool.servers) assert.equal(srv.latency.count, 0, `server ${pool.name}/${srv.name}`);
    }
  } finally {
    await teardown(s);
  }
});
