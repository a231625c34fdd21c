// One coarse clock for the data path: a single interval timer ticks every TICK_MS while anything
// needs time (requests with deadlines, ejected servers waiting to be probed, servers being retired)
// and calls the registered tickers. No timer is ever created per request: deadlines are numbers
// compared on each tick. A tick on which no ticker has anything to watch stops the timer, so an idle
// proxy does not wake up 100 times a second; queuing a request wakes it again (wake() is a flag check).

export const TICK_MS = 10;

export interface Ticker {
  /** Check deadlines; return true while there is anything left to watch. */
  tick(now: number): boolean;
}

const tickers = new Set<Ticker>();
let timer: NodeJS.Timeout | null = null;

/** Milliseconds on a monotonic clock (for deadlines and latency). */
export function nowMs(): number {
  return performance.now();
}

function onTick(): void {
  const now = nowMs();
  let busy = false;
  for (const t of tickers) if (t.tick(now)) busy = true;
  if (!busy) stop();
}

function start(): void {
  timer = setInterval(onTick, TICK_MS);
  timer.unref();
}

function stop(): void {
  if (timer !== null) clearInterval(timer);
  timer = null;
}

/** Whether the tick timer is running (tests check that it stops when idle). */
export function clockRunning(): boolean {
  return timer !== null;
}

/** Something with a deadline was queued: make sure the clock runs. */
export function wake(): void {
  if (timer === null && tickers.size > 0) start();
}

export function addTicker(t: Ticker): void {
  tickers.add(t);
  if (timer === null) start();
}

export function removeTicker(t: Ticker): void {
  tickers.delete(t);
  if (tickers.size === 0) stop();
}
