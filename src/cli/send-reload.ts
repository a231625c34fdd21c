// `--reload`: send SIGUSR1 to the running proxy named by `-p FILE`, which makes it re-read its
// configuration. Checks first that the pid is alive and, where /proc exists, that it is one of ours:
// SIGUSR1's default action kills a process, so a stale pid file must not hit an unrelated program.

import * as fs from 'node:fs';
import { strerror } from '../log/strerror';
import { readPidFile } from './pid-file';
import { PROGRAM } from './version';

/** Markers one of which appears in our command line (`.../bin/twemproxy-ts`, `.../cli/main.js`). */
const OWN_COMMAND_MARKERS = [PROGRAM, 'cli/main.js'] as const;

function commandLineOf(pid: number): string | null {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'latin1').split('\0').join(' ').trim();
  } catch {
    return null; // no /proc (not Linux) or no access: skip the check
  }
}

/** Signal the proxy; returns its pid, or throws Error(message) saying why it could not. */
export function sendReload(pidFile: string | null): number {
  if (pidFile === null || pidFile === '') throw new Error('option --reload requires the pid file of the running proxy (-p FILE)');
  const pid = readPidFile(pidFile);
  try {
    process.kill(pid, 0);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ESRCH') throw new Error(`process ${pid} from pid file '${pidFile}' is not running`);
    throw new Error(`cannot signal process ${pid} from pid file '${pidFile}': ${strerror(err)}`);
  }
  const cmd = commandLineOf(pid);
  if (cmd !== null && !OWN_COMMAND_MARKERS.some((m) => cmd.includes(m))) {
    throw new Error(`process ${pid} from pid file '${pidFile}' is not ${PROGRAM} (${cmd})`);
  }
  try {
    process.kill(pid, 'SIGUSR1');
  } catch (err) {
    throw new Error(`cannot signal process ${pid} from pid file '${pidFile}': ${strerror(err)}`);
  }
  return pid;
}
