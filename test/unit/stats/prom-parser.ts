// A small, strict parser of Prometheus text format 0.0.4 for the tests: it throws on anything a
// scraper would reject or that breaks the format's rules (undeclared or split families, bad names,
// label syntax or values, duplicate series, non-cumulative histograms, +Inf bucket != _count).

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface Family {
  name: string;
  help: string;
  type: string;
  samples: Sample[];
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const FLOAT = /^(?:[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?|[+-]?Inf|NaN)$/;
const TYPES = new Set(['counter', 'gauge', 'histogram', 'summary', 'untyped']);

function parseValue(text: string, line: number): number {
  if (!FLOAT.test(text)) throw new Error(`line ${line}: bad value '${text}'`);
  if (text.endsWith('Inf')) return text.startsWith('-') ? -Infinity : Infinity;
  return Number(text);
}

function unescape(text: string, chars: string, line: number): string {
  return text.replace(/\\(.)/g, (_, c: string) => {
    if (c === 'n') return '\n';
    if (chars.includes(c)) return c;
    throw new Error(`line ${line}: bad escape \\${c}`);
  });
}

/** Parse `{a="x",b="y"}` starting at text[0] === '{'; returns labels and the rest of the line. */
function parseLabels(text: string, line: number): [Record<string, string>, string] {
  const labels: Record<string, string> = {};
  let i = 1;
  while (text[i] !== '}') {
    const eq = text.indexOf('=', i);
    if (eq < 0) throw new Error(`line ${line}: label without '='`);
    const name = text.slice(i, eq);
    if (!LABEL_NAME.test(name) || name.startsWith('__')) throw new Error(`line ${line}: bad label name '${name}'`);
    if (name in labels) throw new Error(`line ${line}: duplicate label '${name}'`);
    if (text[eq + 1] !== '"') throw new Error(`line ${line}: label value not quoted`);
    let j = eq + 2;
    let raw = '';
    for (; j < text.length && text[j] !== '"'; j++) {
      if (text[j] === '\\') raw += text[j++];
      raw += text[j];
    }
    if (j >= text.length) throw new Error(`line ${line}: unterminated label value`);
    labels[name] = unescape(raw, '\\"', line);
    i = j + 1;
    if (text[i] === ',') i++;
    else if (text[i] !== '}') throw new Error(`line ${line}: expected ',' or '}' after label`);
  }
  return [labels, text.slice(i + 1)];
}

function familyOf(name: string, families: Map<string, Family>): Family | undefined {
  const exact = families.get(name);
  if (exact !== undefined && exact.type !== 'histogram') return exact;
  for (const suffix of ['_bucket', '_sum', '_count']) {
    if (name.endsWith(suffix)) {
      const f = families.get(name.slice(0, -suffix.length));
      if (f !== undefined && f.type === 'histogram') return f;
    }
  }
  return undefined;
}

export function parsePrometheus(text: string): Map<string, Family> {
  if (!text.endsWith('\n')) throw new Error('exposition must end with a newline');
  const families = new Map<string, Family>();
  const seen = new Set<string>();
  let current: Family | undefined;
  let pendingHelp: { name: string; help: string } | undefined;
  const lines = text.slice(0, -1).split('\n');
  lines.forEach((l, idx) => {
    const line = idx + 1;
    if (l === '') throw new Error(`line ${line}: empty line`);
    if (l.startsWith('# HELP ')) {
      const rest = l.slice(7);
      const sp = rest.indexOf(' ');
      const name = sp < 0 ? rest : rest.slice(0, sp);
      if (!METRIC_NAME.test(name)) throw new Error(`line ${line}: bad family name '${name}'`);
      if (families.has(name)) throw new Error(`line ${line}: family ${name} declared twice`);
      pendingHelp = { name, help: unescape(sp < 0 ? '' : rest.slice(sp + 1), '\\', line) };
      return;
    }
    if (l.startsWith('# TYPE ')) {
      const [name, type, ...more] = l.slice(7).split(' ');
      if (more.length > 0 || !TYPES.has(type)) throw new Error(`line ${line}: bad TYPE line`);
      if (pendingHelp?.name !== name) throw new Error(`line ${line}: TYPE ${name} without its HELP just before`);
      if (families.has(name)) throw new Error(`line ${line}: family ${name} declared twice`);
      current = { name, help: pendingHelp.help, type, samples: [] };
      families.set(name, current);
      pendingHelp = undefined;
      return;
    }
    if (l.startsWith('#')) throw new Error(`line ${line}: unexpected comment`);
    const m = /^([^{ ]+)(.*)$/.exec(l);
    if (m === null || !METRIC_NAME.test(m[1])) throw new Error(`line ${line}: bad sample name`);
    const name = m[1];
    let labels: Record<string, string> = {};
    let rest = m[2];
    if (rest.startsWith('{')) [labels, rest] = parseLabels(rest, line);
    if (!rest.startsWith(' ')) throw new Error(`line ${line}: expected a space before the value`);
    const parts = rest.slice(1).split(' ');
    if (parts.length > 2) throw new Error(`line ${line}: trailing text`);
    const value = parseValue(parts[0], line);
    const fam = familyOf(name, families);
    if (fam === undefined) throw new Error(`line ${line}: sample ${name} of an undeclared family`);
    if (fam !== current) throw new Error(`line ${line}: sample ${name} outside its family's block`);
    if (fam.type === 'counter' && !name.endsWith('_total')) throw new Error(`line ${line}: counter ${name} lacks _total`);
    if (fam.type === 'histogram' && name === fam.name) throw new Error(`line ${line}: bare histogram sample`);
    if (name.endsWith('_bucket') && fam.type === 'histogram' && !('le' in labels)) throw new Error(`line ${line}: bucket without le`);
    const key = name + JSON.stringify(Object.entries(labels).sort());
    if (seen.has(key)) throw new Error(`line ${line}: duplicate series ${key}`);
    seen.add(key);
    fam.samples.push({ name, labels, value });
  });
  if (pendingHelp !== undefined) throw new Error(`HELP ${pendingHelp.name} without TYPE`);
  for (const f of families.values()) if (f.type === 'histogram') checkHistogram(f);
  return families;
}

/** Buckets ascend by le, counts are cumulative, le="+Inf" exists and equals _count; _sum exists. */
function checkHistogram(f: Family): void {
  const series = new Map<string, { buckets: [number, number][]; sum?: number; count?: number }>();
  for (const s of f.samples) {
    const { le, ...rest } = s.labels;
    const key = JSON.stringify(Object.entries(rest).sort());
    let e = series.get(key);
    if (e === undefined) series.set(key, (e = { buckets: [] }));
    if (s.name.endsWith('_bucket')) e.buckets.push([parseValue(le, 0), s.value]);
    else if (s.name.endsWith('_sum')) e.sum = s.value;
    else e.count = s.value;
  }
  for (const [key, e] of series) {
    if (e.sum === undefined || e.count === undefined) throw new Error(`${f.name}${key}: missing _sum or _count`);
    for (let i = 1; i < e.buckets.length; i++) {
      if (!(e.buckets[i][0] > e.buckets[i - 1][0])) throw new Error(`${f.name}${key}: le not ascending`);
      if (e.buckets[i][1] < e.buckets[i - 1][1]) throw new Error(`${f.name}${key}: buckets not cumulative`);
    }
    const last = e.buckets[e.buckets.length - 1];
    if (last === undefined || last[0] !== Infinity) throw new Error(`${f.name}${key}: no le="+Inf" bucket`);
    if (last[1] !== e.count) throw new Error(`${f.name}${key}: +Inf bucket ${last[1]} != _count ${e.count}`);
  }
}
