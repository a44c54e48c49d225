/**
 * Where a dashboard's time goes (issue 16): capture every statement one call sends through the
 * pool, then time each one alone, so the bench can print the executive view per statement.
 */
import { performance } from "node:perf_hooks";
import type pg from "pg";

export type Sent = { label: string; text: string; values: unknown[]; ms: number };

/** Which SLI or part of the dashboard a statement serves, from its text (a name for the printout). */
const labels: [RegExp, string][] = [
  [/from "slo_targets"/, "targets"],
  [/with ev as \(select r\.finished_at/, "slo_success_burn"],
  [/from slo_provisions p where p\.tier =/, "slo_latency"],
  [/as w_total/, "slo_success_window"],
  [/as succeeded, coalesce\(sum\(o\.apply_failed\)/, "m1_runs"],
  [/select\s+\(select count\(\*\)::int from environments e/, "m1_requests"],
  [/with p as materialized/, "m2_m10_histogram"],
  [/with tl as/, "m2_m10_exact"],
  [/count\(\*\)::int as failed,\s*count\(\*\) filter \(where exists/, "m3_partial_applies"],
  [/drift_checks|drift_reports/, "m4_m9_drift"],
  [/case when o\.cause = ''/, "m5_errors_by_cause"],
  [/from slo_denials/, "m6_denials"],
  [/o\.cause = 'quota'/, "m6_run_quota"],
  [/failed as materialized/, "m7_recovery"],
  [/x\.template_name as template/, "m8_cost"],
  [/with buckets as/, "trends"],
];

function labelOf(text: string, values: unknown[], seen: Map<string, number>): string {
  const base = labels.find(([re]) => re.test(text))?.[1] ?? text.replace(/\s+/g, " ").trim().slice(0, 40);
  const tier = base === "slo_latency" ? values.find((v) => v === "dev" || v === "staging" || v === "prod") : undefined;
  const name = tier ? `${base}_${String(tier)}` : base;
  const n = (seen.get(name) ?? 0) + 1;
  seen.set(name, n);
  return n === 1 ? name : `${name}_${n}`;
}

/** Runs `call` with every statement on `pool` recorded (text, values, ms from send to answer). */
export async function captureStatements(pool: pg.Pool, call: () => Promise<unknown>): Promise<{ wallMs: number; sent: Sent[] }> {
  const sent: Sent[] = [];
  const seen = new Map<string, number>();
  const original = pool.query.bind(pool) as (config: pg.QueryConfig) => Promise<pg.QueryResult>;
  (pool as unknown as { query: unknown }).query = async (config: pg.QueryConfig | string, values?: unknown[]) => {
    const c: pg.QueryConfig = typeof config === "string" ? { text: config, values } : { ...config, values: config.values ?? values };
    const started = performance.now();
    const result = await original(c);
    const vs = c.values ?? [];
    sent.push({ label: labelOf(c.text, vs, seen), text: c.text, values: vs, ms: performance.now() - started });
    return result;
  };
  try {
    const started = performance.now();
    await call();
    return { wallMs: performance.now() - started, sent };
  } finally {
    (pool as unknown as { query: unknown }).query = original;
  }
}

/** Each captured statement alone, one after another, `times` times: its median in ms. */
export async function timeAlone(pool: pg.Pool, sent: Sent[], times: number): Promise<{ label: string; ms: number }[]> {
  const out: { label: string; ms: number }[] = [];
  for (const s of sent) {
    const ms: number[] = [];
    for (let i = 0; i < times; i++) {
      const started = performance.now();
      await pool.query({ text: s.text, values: s.values });
      ms.push(performance.now() - started);
    }
    ms.sort((a, b) => a - b);
    out.push({ label: s.label, ms: ms[Math.floor(times / 2)]! });
  }
  return out.sort((a, b) => b.ms - a.ms);
}
