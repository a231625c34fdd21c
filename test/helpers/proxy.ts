// Our proxy, in-process, for integration tests: the YAML is written to a temporary file, loaded with
// the real config loader and started with Proxy.start() on the ports the YAML names, stats on a free
// port (port 0). In-process so tests can inspect it and stop it without signals. Proxy.start() resolves
// once every listener is bound, so nothing probes the ports (a probe would show up in client stats).
// poolYaml() (re-exported) builds the YAML.

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig } from '../../src/config/load';
import { Proxy, type ProxyOptions } from '../../src/proxy/proxy';
import { makeTempDir, removeTempDir } from './processes';

export { poolYaml, type PoolSpec, type PoolsYaml, type ServerSpec } from './pool-yaml';

export interface RunningProxy {
  readonly proxy: Proxy;
  readonly statsPort: number;
  readonly dir: string;
  readonly confFile: string;
  /** Write `yaml` (if given) over the config file, then ask the proxy to reload it. */
  reload(yaml?: string): Promise<{ ok: boolean; message: string }>;
  /** Close the proxy and remove the temporary directory. Safe to call twice. */
  stop(): Promise<void>;
}

/** Test defaults: nutcracker's mbuf size; stats and metrics on loopback, stats on a free port, 100 ms. */
const TEST_DEFAULTS = {
  mbufSize: 16384,
  statsPort: 0,
  statsAddr: '127.0.0.1',
  statsInterval: 100,
  metricsPort: null,
  metricsAddr: '127.0.0.1',
  workers: 1,
} as const;

export async function startProxy(yaml: string, opts: Partial<ProxyOptions> = {}): Promise<RunningProxy> {
  const dir = makeTempDir('proxy');
  const confFile = join(dir, 'nutcracker.yml');
  writeFileSync(confFile, yaml);
  let proxy: Proxy;
  try {
    const config = await loadConfig(confFile);
    proxy = await Proxy.start(config, { ...TEST_DEFAULTS, confFile, ...opts });
  } catch (err) {
    removeTempDir(dir);
    throw err;
  }
  let stopped = false;
  return {
    proxy,
    statsPort: proxy.statsPort,
    dir,
    confFile,
    async reload(next) {
      if (next !== undefined) writeFileSync(confFile, next);
      return proxy.reload();
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      await proxy.close();
      removeTempDir(dir);
    },
  };
}
