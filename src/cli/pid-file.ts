// The `-p FILE` pid file: written once the proxy is listening (decimal pid, no newline, mode 0644, as
// nutcracker writes it), removed on clean shutdown, and read by `--reload` to find the process to
// signal. Errors are thrown as Error(message) with nutcracker's wording, for the CLI to print.

import * as fs from 'node:fs';
import { strerror } from '../log/strerror';

export function writePidFile(file: string, pid: number = process.pid): void {
  try {
    fs.writeFileSync(file, String(pid), { mode: 0o644, flag: 'w' });
  } catch (err) {
    throw new Error(`opening pid file '${file}' failed: ${strerror(err)}`);
  }
}

/**
 * Remove the pid file if it still names `pid`: a successor started with the same `-p` may have
 * replaced it, and its file must survive our exit. Never throws (shutdown must go on).
 */
export function removePidFile(file: string, pid: number = process.pid): void {
  try {
    if (fs.readFileSync(file, 'utf8').trim() !== String(pid)) return;
    fs.unlinkSync(file);
  } catch {
    // Already gone or unreadable: nothing left to clean up.
  }
}

/** The pid in `file`; throws Error(message) if the file is missing or holds no pid. */
export function readPidFile(file: string): number {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new Error(`cannot read pid file '${file}': ${strerror(err)}`);
  }
  const t = text.trim();
  const pid = /^[0-9]+$/.test(t) ? Number(t) : 0;
  if (pid <= 0 || !Number.isSafeInteger(pid)) throw new Error(`pid file '${file}' does not contain a pid`);
  return pid;
}
