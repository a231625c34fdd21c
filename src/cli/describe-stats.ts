// The `-D` / `--describe-stats` text: nutcracker's exact layout (spec §4.6) derived from the metric
// tables, so a metric added there shows up here without a second list to keep in step.

import { POOL_METRICS, SERVER_METRICS } from '../stats/metrics';

const NAME_WIDTH = 20;

function section(title: string, metrics: readonly { name: string; description: string }[]): string {
  return `${title}:\n${metrics.map((m) => `  ${m.name.padEnd(NAME_WIDTH)}"${m.description}"\n`).join('')}`;
}

/** The text printed after the version block; ends with a newline. */
export function describeStats(): string {
  return `${section('pool stats', POOL_METRICS)}\n${section('server stats', SERVER_METRICS)}`;
}
