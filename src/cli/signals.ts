// What each signal does to a running proxy (spec §3.6), one table: the log line (nutcracker's
// `signal <n> (<NAME>) received<, action>`, written whatever the log level) and the action. Differences
// from nutcracker, on purpose: SIGTERM is handled like SIGINT (clean shutdown) instead of killing the
// process without a word, and SIGUSR1 reloads the configuration instead of doing nothing.

import { constants } from 'node:os';
import { log } from '../log/logger';

export interface SignalHooks {
  /** SIGINT / SIGTERM: close listeners and connections, remove the pid file, exit. */
  shutdown(signal: NodeJS.Signals): void;
  /** SIGUSR1: re-read the configuration file and apply it. */
  reload(): void;
  /** After SIGHUP / SIGTTIN / SIGTTOU changed the log here (worker processes follow). */
  logChanged?(): void;
}

export const SIGNALS = {
  SIGHUP: { action: 'reopening log file', run: (h: SignalHooks) => (log.reopen(), h.logChanged?.()) },
  SIGINT: { action: 'exiting', run: (h: SignalHooks) => h.shutdown('SIGINT') },
  SIGUSR1: { action: 'reloading configuration', run: (h: SignalHooks) => h.reload() },
  SIGUSR2: { action: '', run: (_h: SignalHooks) => undefined },
  SIGTERM: { action: 'exiting', run: (h: SignalHooks) => h.shutdown('SIGTERM') },
  SIGTTIN: { action: 'up logging level', run: (h: SignalHooks) => (log.levelUp(), h.logChanged?.()) },
  SIGTTOU: { action: 'down logging level', run: (h: SignalHooks) => (log.levelDown(), h.logChanged?.()) },
} as const;

export type HandledSignal = keyof typeof SIGNALS;

/** `signal 21 (SIGTTIN) received, up logging level` */
export function signalLine(name: HandledSignal): string {
  const action = SIGNALS[name].action;
  return `signal ${constants.signals[name]} (${name}) received${action ? `, ${action}` : ''}`;
}

/** Install a handler for every signal of the table; returns a function that removes them again. */
export function installSignals(hooks: SignalHooks): () => void {
  const installed: [HandledSignal, () => void][] = [];
  for (const name of Object.keys(SIGNALS) as HandledSignal[]) {
    const handler = (): void => {
      log.always(signalLine(name));
      SIGNALS[name].run(hooks);
    };
    process.on(name, handler);
    installed.push([name, handler]);
  }
  return () => {
    for (const [name, handler] of installed) process.removeListener(name, handler);
  };
}
