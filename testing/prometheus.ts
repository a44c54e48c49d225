/**
 * A strict reader of the Prometheus text format (0.0.4) for tests: every line must be a HELP,
 * TYPE or sample line, every sample must belong to a family announced before it, and each
 * histogram's buckets must be cumulative and end in +Inf = _count.
 */
export type PromSample = { name: string; labels: Record<string, string>; value: number };
export type PromText = {
  families: Map<string, { help: string; type: string }>;
  samples: PromSample[];
  /** The one sample with exactly these labels (undefined when absent). */
  value: (name: string, labels?: Record<string, string>) => number | undefined;
};

const nameRe = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const sampleRe = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/;
const labelRe = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\[\\"n])*)"(,|$)/y;

function parseValue(text: string): number {
  if (text === "+Inf") return Infinity;
  if (text === "-Inf") return -Infinity;
  // prom-client writes "Nan"; Prometheus (Go's ParseFloat) reads NaN case-insensitively.
  if (/^nan$/i.test(text)) return NaN;
  if (!/^-?\d+(\.\d+)?([eE][+-]?\d+)?$/.test(text)) throw new Error(`not a sample value: ${text}`);
  return Number(text);
}

function parseLabels(text: string | undefined): Record<string, string> {
  const labels: Record<string, string> = {};
  if (!text) return labels;
  labelRe.lastIndex = 0;
  while (labelRe.lastIndex < text.length) {
    const match = labelRe.exec(text);
    if (!match) throw new Error(`bad label set: {${text}}`);
    const [, key, raw] = match;
    if (key! in labels) throw new Error(`duplicate label ${key} in {${text}}`);
    labels[key!] = raw!.replace(/\\(.)/g, (_, c: string) => (c === "n" ? "\n" : c));
  }
  return labels;
}

function familyOf(name: string, families: Map<string, { type: string }>): string | undefined {
  if (families.has(name)) return name;
  for (const suffix of ["_bucket", "_sum", "_count"]) {
    const base = name.endsWith(suffix) ? name.slice(0, -suffix.length) : null;
    if (base && families.get(base)?.type === "histogram") return base;
  }
  return undefined;
}

const sameLabels = (a: Record<string, string>, b: Record<string, string>) => {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((k) => a[k] === b[k]);
};

export function parsePrometheusText(text: string): PromText {
  if (!text.endsWith("\n")) throw new Error("the exposition must end with a newline");
  const families = new Map<string, { help: string; type: string }>();
  const samples: PromSample[] = [];
  let pendingHelp: { name: string; help: string } | null = null;
  for (const [index, line] of text.slice(0, -1).split("\n").entries()) {
    const where = `line ${index + 1}: ${line}`;
    if (line === "") continue;
    const help = /^# HELP (\S+) (.+)$/.exec(line);
    if (help) {
      if (!nameRe.test(help[1]!) || families.has(help[1]!)) throw new Error(`bad or repeated HELP (${where})`);
      pendingHelp = { name: help[1]!, help: help[2]! };
      continue;
    }
    const type = /^# TYPE (\S+) (counter|gauge|histogram|summary|untyped)$/.exec(line);
    if (type) {
      if (!pendingHelp || pendingHelp.name !== type[1]) throw new Error(`TYPE without its HELP (${where})`);
      families.set(type[1]!, { help: pendingHelp.help, type: type[2]! });
      pendingHelp = null;
      continue;
    }
    const sample = sampleRe.exec(line);
    if (!sample) throw new Error(`not a HELP, TYPE or sample line (${where})`);
    const name = sample[1]!;
    if (!familyOf(name, families)) throw new Error(`sample of an undeclared family (${where})`);
    samples.push({ name, labels: parseLabels(sample[2]), value: parseValue(sample[3]!) });
  }

  // Histograms: buckets cumulative, +Inf equal to _count, per label set.
  for (const [family, { type }] of families) {
    if (type !== "histogram") continue;
    const series = new Map<string, { buckets: [number, number][]; count?: number }>();
    const keyOf = (labels: Record<string, string>) =>
      JSON.stringify(
        Object.entries(labels)
          .filter(([k]) => k !== "le")
          .sort(),
      );
    for (const s of samples) {
      if (s.name === `${family}_bucket`) {
        const entry = series.get(keyOf(s.labels)) ?? { buckets: [] };
        entry.buckets.push([parseValue(s.labels.le ?? "missing"), s.value]);
        series.set(keyOf(s.labels), entry);
      } else if (s.name === `${family}_count`) {
        const entry = series.get(keyOf(s.labels)) ?? { buckets: [] };
        entry.count = s.value;
        series.set(keyOf(s.labels), entry);
      }
    }
    for (const [key, { buckets, count }] of series) {
      for (let i = 1; i < buckets.length; i++) {
        if (buckets[i]![0] <= buckets[i - 1]![0] || buckets[i]![1] < buckets[i - 1]![1]) throw new Error(`${family}${key}: buckets not cumulative`);
      }
      const last = buckets.at(-1);
      if (!last || last[0] !== Infinity || last[1] !== count) throw new Error(`${family}${key}: +Inf bucket must equal _count`);
    }
  }

  return {
    families,
    samples,
    value: (name, labels = {}) => {
      const matches = samples.filter((s) => s.name === name && sameLabels(s.labels, labels));
      if (matches.length > 1) throw new Error(`${name} ${JSON.stringify(labels)} appears ${matches.length} times`);
      return matches[0]?.value;
    },
  };
}
