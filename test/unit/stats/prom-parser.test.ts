import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parsePrometheus } from './prom-parser';

// The test parser must reject what it is meant to catch, or the Prometheus tests prove nothing.
const OK = '# HELP a_total A\n# TYPE a_total counter\na_total{x="1"} 2\n';
const H = (lines: string[]) => `# HELP h H\n# TYPE h histogram\n${lines.join('\n')}\n`;

test('parser accepts a well-formed exposition', () => {
  assert.equal(parsePrometheus(OK).get('a_total')?.samples[0].value, 2);
  parsePrometheus(H(['h_bucket{le="1"} 1', 'h_bucket{le="+Inf"} 2', 'h_sum 3', 'h_count 2']));
});

const BAD: [string, string][] = [
  ['sample of an undeclared family', 'b 1\n'],
  ['missing final newline', OK.slice(0, -1)],
  ['TYPE without HELP', '# TYPE a gauge\na 1\n'],
  ['family declared twice', OK + OK],
  ['family split by another', OK + '# HELP b B\n# TYPE b gauge\nb 1\na_total{x="2"} 1\n'],
  ['counter without _total', '# HELP a A\n# TYPE a counter\na 1\n'],
  ['bad value', '# HELP a A\n# TYPE a gauge\na one\n'],
  ['bad escape in label', '# HELP a A\n# TYPE a gauge\na{x="\\t"} 1\n'],
  ['unquoted label', '# HELP a A\n# TYPE a gauge\na{x=1} 1\n'],
  ['duplicate series', '# HELP a A\n# TYPE a gauge\na{x="1"} 1\na{x="1"} 2\n'],
  ['bad metric name', '# HELP 1a A\n# TYPE 1a gauge\n1a 1\n'],
  ['non-cumulative buckets', H(['h_bucket{le="1"} 3', 'h_bucket{le="+Inf"} 2', 'h_sum 3', 'h_count 2'])],
  ['+Inf bucket different from count', H(['h_bucket{le="1"} 1', 'h_bucket{le="+Inf"} 2', 'h_sum 3', 'h_count 3'])],
  ['no +Inf bucket', H(['h_bucket{le="1"} 1', 'h_sum 3', 'h_count 1'])],
  ['le not ascending', H(['h_bucket{le="2"} 1', 'h_bucket{le="1"} 1', 'h_bucket{le="+Inf"} 1', 'h_sum 3', 'h_count 1'])],
  ['missing _sum', H(['h_bucket{le="+Inf"} 1', 'h_count 1'])],
];

for (const [what, text] of BAD) {
  test(`parser rejects ${what}`, () => {
    assert.throws(() => parsePrometheus(text));
  });
}
