// The process-wide logger: nutcracker's numeric levels 0..11 (spec §3.4), output to stderr or to a
// file opened for append (mode 0644), reopened on SIGHUP so log rotation works, level moved by
// SIGTTIN/SIGTTOU. Lines are `[YYYY-MM-DD HH:MM:SS.mmm] <message>` in local time. Writes are
// synchronous (fs.writeSync): logging is rare (start-up, failures, signals), never per request, and a
// synchronous write means the line is on disk before a crash or process.exit().

import * as fs from 'node:fs';
import { strerror } from './strerror';

/** nutcracker's levels (nc_log.h): a message is written when its level <= the current level. */
export const LOG_LEVEL = {
  EMERG: 0,
  ALERT: 1,
  CRIT: 2,
  ERR: 3,
  WARN: 4,
  NOTICE: 5,
  INFO: 6,
  DEBUG: 7,
  VERB: 8,
  VVERB: 9,
  VVVERB: 10,
  PVERB: 11,
} as const;

export const LOG_MIN = LOG_LEVEL.EMERG;
export const LOG_MAX = LOG_LEVEL.PVERB;
/** nutcracker's default (`-v 5`). */
export const LOG_DEFAULT = LOG_LEVEL.NOTICE;
/** Longest line written, newline included; longer messages are cut (nutcracker cuts at 256). */
export const LOG_MAX_LINE = 1024;

const STDERR_FD = 2;

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}

/** `[2024-01-31 12:34:56.789] ` for the given moment, local time. */
export function logTimestamp(d: Date): string {
  return (
    `[${d.getFullYear()}-${pad(d.getMonth() + 1, 2)}-${pad(d.getDate(), 2)} ` +
    `${pad(d.getHours(), 2)}:${pad(d.getMinutes(), 2)}:${pad(d.getSeconds(), 2)}.${pad(d.getMilliseconds(), 3)}] `
  );
}

export class Logger {
  private _level: number = LOG_DEFAULT;
  private fd: number = STDERR_FD;
  private path: string | null = null;

  get level(): number {
    return this._level;
  }

  /** Any number is accepted and clamped to 0..11, as nutcracker does with `-v`. */
  set level(n: number) {
    const v = Number.isFinite(n) ? Math.trunc(n) : LOG_DEFAULT;
    this._level = v < LOG_MIN ? LOG_MIN : v > LOG_MAX ? LOG_MAX : v;
  }

  /** The log file path, or null when logging to stderr. */
  get file(): string | null {
    return this.path;
  }

  enabled(level: number): boolean {
    return level <= this._level;
  }

  /**
   * Log to `file` (created if missing, appended to, mode 0644), or to stderr when null or empty.
   * Throws Error(`opening log file '<file>' failed: <strerror>`) and keeps the previous output.
   */
  open(file: string | null): void {
    if (file === null || file === '') {
      this.closeFile();
      return;
    }
    let fd: number;
    try {
      fd = fs.openSync(file, fs.constants.O_WRONLY | fs.constants.O_APPEND | fs.constants.O_CREAT, 0o644);
    } catch (err) {
      throw new Error(`opening log file '${file}' failed: ${strerror(err)}`);
    }
    this.closeFile();
    this.fd = fd;
    this.path = file;
  }

  /**
   * Close and reopen the same path (after logrotate moved the file away). No-op on stderr. If the
   * path cannot be opened, keep writing to the old file and say so, rather than lose the log.
   */
  reopen(): void {
    const file = this.path;
    if (file === null) return;
    let fd: number;
    try {
      fd = fs.openSync(file, fs.constants.O_WRONLY | fs.constants.O_APPEND | fs.constants.O_CREAT, 0o644);
    } catch (err) {
      this.always(`reopening log file '${file}' failed, ignored: ${strerror(err)}`);
      return;
    }
    const old = this.fd;
    this.fd = fd;
    try {
      fs.closeSync(old);
    } catch {
      // Nothing useful to do: the new file is open and in use.
    }
  }

  /** Back to stderr; used at exit. */
  close(): void {
    this.closeFile();
  }

  /** SIGTTIN: one level more verbose, logged as nutcracker does. Returns false at the maximum. */
  levelUp(): boolean {
    if (this._level >= LOG_MAX) return false;
    this._level++;
    this.always(`up log level to ${this._level}`);
    return true;
  }

  /** SIGTTOU: one level quieter, logged as nutcracker does. Returns false at the minimum. */
  levelDown(): boolean {
    if (this._level <= LOG_MIN) return false;
    this._level--;
    this.always(`down log level to ${this._level}`);
    return true;
  }

  emerg(msg: string): void {
    if (this._level >= LOG_LEVEL.EMERG) this.write(msg);
  }
  alert(msg: string): void {
    if (this._level >= LOG_LEVEL.ALERT) this.write(msg);
  }
  crit(msg: string): void {
    if (this._level >= LOG_LEVEL.CRIT) this.write(msg);
  }
  error(msg: string): void {
    if (this._level >= LOG_LEVEL.ERR) this.write(msg);
  }
  warn(msg: string): void {
    if (this._level >= LOG_LEVEL.WARN) this.write(msg);
  }
  notice(msg: string): void {
    if (this._level >= LOG_LEVEL.NOTICE) this.write(msg);
  }
  info(msg: string): void {
    if (this._level >= LOG_LEVEL.INFO) this.write(msg);
  }
  debug(msg: string): void {
    if (this._level >= LOG_LEVEL.DEBUG) this.write(msg);
  }
  verb(msg: string): void {
    if (this._level >= LOG_LEVEL.VERB) this.write(msg);
  }

  /** Banner, signal and shutdown lines: written whatever the level. */
  always(msg: string): void {
    this.write(msg);
  }

  private write(msg: string): void {
    let line = Buffer.from(logTimestamp(new Date()) + msg + '\n', 'utf8');
    if (line.length > LOG_MAX_LINE) {
      let end = LOG_MAX_LINE - 1;
      // Do not cut a UTF-8 sequence in half: back up over continuation bytes (10xxxxxx).
      while (end > 0 && (line[end] & 0xc0) === 0x80) end--;
      line = Buffer.concat([line.subarray(0, end), Buffer.from('\n')]);
    }
    try {
      fs.writeSync(this.fd, line);
    } catch {
      // A full disk or a closed stderr must not take the proxy down; the line is lost.
    }
  }

  private closeFile(): void {
    if (this.path === null) return;
    const fd = this.fd;
    this.fd = STDERR_FD;
    this.path = null;
    try {
      fs.closeSync(fd);
    } catch {
      // Already closed or invalid: the logger is back on stderr either way.
    }
  }
}

/** The one logger of the process. */
export const log = new Logger();
