import { test } from 'node:test';
import assert from 'node:assert/strict';
import { proxyOptions } from '../../../src/cli/main';
import { parseArgs, type CliOptions } from '../../../src/cli/options';

function options(argv: string[]): CliOptions {
  const r = parseArgs(argv);
  if ('error' in r) assert.fail(r.error);
  return r.options;
}

test('defaults reach the proxy as nutcracker\'s, metrics off and on the stats address', () => {
  assert.deepEqual(proxyOptions(options([])), {
    mbufSize: 16384,
    statsPort: 22222,
    statsAddr: '0.0.0.0',
    statsInterval: 30000,
    metricsPort: null,
    metricsAddr: '0.0.0.0',
    workers: 1,
    confFile: 'conf/nutcracker.yml',
  });
});

test('every proxy option given on the command line is passed through', () => {
  const o = proxyOptions(
    options(['-m', '1024', '-s', '3000', '-a', '127.0.0.1', '-i', '100', '--metrics-port', '9100', '--workers', '3', '-c', 'x.yml']),
  );
  assert.deepEqual(o, {
    mbufSize: 1024,
    statsPort: 3000,
    statsAddr: '127.0.0.1',
    statsInterval: 100,
    metricsPort: 9100,
    metricsAddr: '127.0.0.1',
    workers: 3,
    confFile: 'x.yml',
  });
  assert.equal(proxyOptions(options(['-a', '127.0.0.1', '--metrics-addr', '::1'])).metricsAddr, '::1');
});
