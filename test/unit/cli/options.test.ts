import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { OPTIONS, defaultOptions, parseArgs, usageText, versionText, withoutDaemonize, type CliOptions } from '../../../src/cli/options';
import { VERSION } from '../../../src/cli/version';
import { findBinary } from '../../helpers/processes';

function ok(argv: string[]): CliOptions {
  const r = parseArgs(argv);
  if ('error' in r) assert.fail(`unexpected error for ${JSON.stringify(argv)}: ${r.error}`);
  return r.options;
}

function err(argv: string[]): string {
  const r = parseArgs(argv);
  if (!('error' in r)) assert.fail(`expected an error for ${JSON.stringify(argv)}`);
  return r.error;
}

test('no arguments gives nutcracker\'s defaults plus ours', () => {
  assert.deepEqual(ok([]), {
    help: false,
    version: false,
    testConf: false,
    daemonize: false,
    describeStats: false,
    verbose: 5,
    output: null,
    confFile: 'conf/nutcracker.yml',
    statsPort: 22222,
    statsAddr: '0.0.0.0',
    statsInterval: 30000,
    pidFile: null,
    mbufSize: 16384,
    workers: 1,
    metricsPort: null,
    metricsAddr: null,
    reload: false,
  });
  assert.deepEqual(defaultOptions(), ok([]));
});

test('every flag without a value sets its option, in short and long form', () => {
  const flags: [string, string, keyof CliOptions][] = [
    ['-h', '--help', 'help'],
    ['-V', '--version', 'version'],
    ['-t', '--test-conf', 'testConf'],
    ['-d', '--daemonize', 'daemonize'],
    ['-D', '--describe-stats', 'describeStats'],
  ];
  for (const [short, long, key] of flags) {
    assert.equal(ok([short])[key], true, short);
    assert.equal(ok([long])[key], true, long);
  }
  assert.equal(ok(['--reload']).reload, true);
});

test('short flags cluster', () => {
  const o = ok(['-tdV']);
  assert.deepEqual([o.testConf, o.daemonize, o.version, o.help], [true, true, true, false]);
});

// [argv, option, expected value]: every valued option in each accepted spelling.
const VALID: [string[], keyof CliOptions, unknown][] = [
  [['-v', '7'], 'verbose', 7],
  [['-v7'], 'verbose', 7],
  [['--verbose=0'], 'verbose', 0],
  [['--verbose', '11'], 'verbose', 11],
  [['-v', '99999999999'], 'verbose', 11],
  [['-v', '007'], 'verbose', 7],
  [['-o', 'x.log'], 'output', 'x.log'],
  [['-o', ''], 'output', ''],
  [['--output=/tmp/y.log'], 'output', '/tmp/y.log'],
  [['-c', 'a.yml'], 'confFile', 'a.yml'],
  [['-ca.yml'], 'confFile', 'a.yml'],
  [['--conf-file', 'b.yml'], 'confFile', 'b.yml'],
  [['--conf=c.yml'], 'confFile', 'c.yml'],
  [['-c', '-t'], 'confFile', '-t'],
  [['-s', '1'], 'statsPort', 1],
  [['--stats-port=65535'], 'statsPort', 65535],
  [['-a', '127.0.0.1'], 'statsAddr', '127.0.0.1'],
  [['--stats-addr', 'localhost'], 'statsAddr', 'localhost'],
  [['-i', '0'], 'statsInterval', 0],
  [['--stats-interval=100'], 'statsInterval', 100],
  [['-i', '4294967296'], 'statsInterval', 2147483647],
  [['-p', 'x.pid'], 'pidFile', 'x.pid'],
  [['--pid-file=y.pid'], 'pidFile', 'y.pid'],
  [['-m', '512'], 'mbufSize', 512],
  [['--mbuf-size', '16777216'], 'mbufSize', 16777216],
  [['--workers', '4'], 'workers', 4],
  [['--workers=256'], 'workers', 256],
  [['--metrics-port', '9100'], 'metricsPort', 9100],
  [['--metrics-addr=127.0.0.1'], 'metricsAddr', '127.0.0.1'],
];

test('every valued option accepts separate, attached, long and abbreviated forms', () => {
  for (const [argv, key, value] of VALID) assert.equal(ok(argv)[key], value, argv.join(' '));
});

// [argv, message]: nutcracker's messages (spec §3.1, checked against the binary) and ours for long-only options.
const INVALID: [string[], string][] = [
  [['-v'], 'option -v requires a number'],
  [['-v', 'x'], 'option -v requires a number'],
  [['-vabc'], 'option -v requires a number'],
  [['-v', '-1'], 'option -v requires a number'],
  [['--verbose='], 'option -v requires a number'],
  [['--verbose'], 'option -v requires a number'],
  [['-o'], 'option -o requires a file name'],
  [['-c'], 'option -c requires a file name'],
  [['--conf-file'], 'option -c requires a file name'],
  [['-s'], 'option -s requires a number'],
  [['-s', ''], 'option -s requires a number'],
  [['-s', 'x'], 'option -s requires a number'],
  [['-s', '1x'], 'option -s requires a number'],
  [['-s', '-5'], 'option -s requires a number'],
  [['--stats-port=abc'], 'option -s requires a number'],
  [['-s', '0'], 'option -s value 0 is not a valid port'],
  [['-s', '70000'], 'option -s value 70000 is not a valid port'],
  [['-a'], 'option -a requires a string'],
  [['-i'], 'option -i requires a number'],
  [['-i', '-5'], 'option -i requires a number'],
  [['-p'], 'option -p requires a file name'],
  [['-m'], 'option -m requires a number'],
  [['-m', '0'], 'option -m requires a non-zero number'],
  [['-m', 'x'], 'option -m requires a non-zero number'],
  [['-m', '100'], 'mbuf chunk size must be between 512 and 16777216 bytes'],
  [['-m', '511'], 'mbuf chunk size must be between 512 and 16777216 bytes'],
  [['--mbuf-size=16777217'], 'mbuf chunk size must be between 512 and 16777216 bytes'],
  [['-x'], "invalid option -- 'x'"],
  [['-?'], "invalid option -- '?'"],
  [['-tx'], "invalid option -- 'x'"],
  [['--workers'], 'option --workers requires a number'],
  [['--workers', 'two'], 'option --workers requires a number'],
  [['--workers', '0'], 'option --workers value 0 must be between 1 and 256'],
  [['--workers=257'], 'option --workers value 257 must be between 1 and 256'],
  [['--metrics-port'], 'option --metrics-port requires a number'],
  [['--metrics-port', '0'], 'option --metrics-port value 0 is not a valid port'],
  [['--metrics-addr'], 'option --metrics-addr requires a string'],
  [['--bogus'], "unrecognized option '--bogus'"],
  [['--daemonize=1'], "option '--daemonize' doesn't allow an argument"],
  [['--m=1'], "option '--m' is ambiguous; possibilities: '--mbuf-size' '--metrics-port' '--metrics-addr'"],
];

test('invalid values and unknown options give nutcracker\'s messages', () => {
  for (const [argv, message] of INVALID) assert.equal(err(argv), message, argv.join(' '));
});

test('the first error wins, even over -h (nutcracker stops at the first bad option)', () => {
  assert.equal(err(['-h', '-x']), "invalid option -- 'x'");
  assert.equal(err(['-s', '0', '-m', '1']), 'option -s value 0 is not a valid port');
});

test('non-option arguments are ignored and -- ends the options', () => {
  assert.equal(ok(['extra', '-t', 'more']).testConf, true);
  const o = ok(['-t', '--', '-x', '-V']);
  assert.deepEqual([o.testConf, o.version], [true, false]);
  assert.equal(ok(['-']).testConf, false);
});

test('a later value overrides an earlier one', () => {
  assert.equal(ok(['-v', '3', '--verbose=9']).verbose, 9);
});

const nutcracker = findBinary('nutcracker');

test('short-option messages match the nutcracker binary, program name aside', { skip: nutcracker === null && 'nutcracker not installed' }, () => {
  for (const [argv, message] of INVALID) {
    if (argv.some((a) => a.startsWith('--') && !['--verbose', '--verbose=', '--conf-file', '--stats-port=abc', '--mbuf-size=16777217'].includes(a))) continue;
    const r = spawnSync(nutcracker as string, argv, { encoding: 'latin1' });
    assert.equal(r.status, 1, argv.join(' '));
    assert.equal(r.stderr.split('\n')[0], `nutcracker: ${message}`, argv.join(' '));
  }
});

test('withoutDaemonize drops -d and --daemonize but nothing else', () => {
  assert.deepEqual(withoutDaemonize(['-d', '-c', 'x.yml']), ['-c', 'x.yml']);
  assert.deepEqual(withoutDaemonize(['--daemonize', '-v', '6']), ['-v', '6']);
  assert.deepEqual(withoutDaemonize(['--daem', '-o', 'x']), ['-o', 'x']);
  assert.deepEqual(withoutDaemonize(['-dv6']), ['-v6']);
  assert.deepEqual(withoutDaemonize(['-vd']), ['-vd'], 'd is the value of -v here');
  assert.deepEqual(withoutDaemonize(['-c', '-d']), ['-c', '-d'], '-d is the value of -c here');
  assert.deepEqual(withoutDaemonize(['-tdD']), ['-tD']);
  assert.deepEqual(withoutDaemonize(['--', '-d']), ['--', '-d']);
  assert.deepEqual(ok(withoutDaemonize(['-d', '-p', 'a.pid', '-dd'])).daemonize, false);
});

test('version block: our name and version first, then a blank line', () => {
  const v = versionText();
  assert.ok(v.startsWith(`This is twemproxy-ts-${VERSION}\n`));
  assert.match(VERSION, /^\d+\.\d+\.\d+/);
  assert.ok(v.endsWith('\n\n'));
  assert.ok(!v.includes('\r'));
});

test('usage text lists every option once with its default, plain \\n line ends, at most 80 columns', () => {
  const u = usageText();
  assert.ok(!u.includes('\r'));
  assert.ok(u.startsWith('Usage: twemproxy-ts [-hVtdD] [-v verbosity level] [-o output file]\n'));
  assert.ok(u.includes('\n                    [-c conf file] [-s stats port] [-a stats addr]\n'));
  assert.ok(u.endsWith('\n\n'));
  const synopsis = u.slice(0, u.indexOf('\n\nOptions:\n')).split('\n');
  assert.ok(synopsis.length >= 3);
  for (const line of synopsis) assert.ok(line.length <= 80, line);
  for (const o of OPTIONS) {
    const matches = u.split('\n').filter((l) => l.includes(`--${o.long}`) && l.includes(' : '));
    assert.equal(matches.length, 1, o.long);
  }
  assert.ok(u.includes('\n  -v, --verbose=N        : set logging level (default: 5, min: 0, max: 11)\n'));
  assert.ok(u.includes('\n  -c, --conf-file=S      : set configuration file (default: conf/nutcracker.yml)\n'));
  assert.ok(u.includes('\n  -i, --stats-interval=N : set stats aggregation interval in msec (default: 30000 msec)\n'));
  assert.ok(u.includes('\n  -m, --mbuf-size=N      : set size of mbuf chunk in bytes (default: 16384 bytes)\n'));
  assert.ok(u.includes('\n      --workers=N        : '));
});

test('usage matches nutcracker\'s option lines where the defaults agree', { skip: nutcracker === null && 'nutcracker not installed' }, () => {
  const theirs = spawnSync(nutcracker as string, ['-h'], { encoding: 'latin1' }).stderr.split(/\r?\n/);
  const ours = usageText().split('\n');
  // Debian's build has its own -o, -c and -p defaults, and -D ends its line without \r.
  for (const flag of ['-h', '-V', '-t', '-d', '-D', '-v', '-s', '-a', '-i', '-m']) {
    const t = theirs.find((l) => l.startsWith(`  ${flag}, `));
    const o = ours.find((l) => l.startsWith(`  ${flag}, `));
    assert.equal(o, t, flag);
  }
});
