// One coarse clock for the data path: a single interval timer ticks every TICK_MS while anything
// needs time (request timeouts, ejected servers waiting to be probed) and calls the registered
// tickers. No timer is ever created per request: deadlines are numbers compared on each tick.

export const TICK_MS = 10;

export interface Ticker {
  tick(now: number): void;
}

const tickers = new Set<Ticker>();
let timer: NodeJS.Timeout | null = null;

/** Milliseconds on a monotonic clock (for deadlines and latency). */
export function nowMs(): number {
  return performance.now();
}

function onTick(): void {
  const now = nowMs();
  for (const t of tickers) t.tick(now);
}

export function addTicker(t: Ticker): void {
  tickers.add(t);
  if (timer === null) {
    timer = setInterval(onTick, TICK_MS);
    timer.unref();
  }
}

export function removeTicker(t: Ticker): void {
  tickers.delete(t);
  if (tickers.size === 0 && timer !== null) {
    clearInterval(timer);
    timer = null;
  }
}
