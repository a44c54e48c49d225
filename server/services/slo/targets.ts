/**
 * SLO targets (admins edit them) and what they say now: each SLO's ratio of good events over its
 * window, the error budget left, and burn rates over the Google SRE workbook's multi-window
 * pairs: a fast burn (1 h and 5 m both above 14.4: 2 % of a 30-day budget in an hour) and a slow
 * burn (6 h and 30 m both above 6: 5 % in six hours).
 */
import { sql, type SQL } from "drizzle-orm";
import type { Executor } from "~/db/client";
import { sloTargets } from "~/db/schema";
import { runOutcomes } from "./run-outcomes";
import { ts } from "./scope";

export const sloKeys = ["success", "latency_dev", "latency_staging", "latency_prod"] as const;
export type SloKey = (typeof sloKeys)[number];

export type SloTarget = { key: SloKey; objective: number; thresholdSeconds: number | null; windowDays: number };

export const defaultTargets: Record<SloKey, SloTarget> = {
  success: { key: "success", objective: 0.99, thresholdSeconds: null, windowDays: 28 },
  latency_dev: { key: "latency_dev", objective: 0.95, thresholdSeconds: 600, windowDays: 28 },
  latency_staging: { key: "latency_staging", objective: 0.95, thresholdSeconds: 1800, windowDays: 28 },
  latency_prod: { key: "latency_prod", objective: 0.95, thresholdSeconds: 3600, windowDays: 28 },
};

export const sloTitles: Record<SloKey, string> = {
  success: "Provisioning success (apply runs)",
  latency_dev: "Time to provision, dev",
  latency_staging: "Time to provision, staging",
  latency_prod: "Time to provision, prod",
};

export const burnWindows = {
  fast: { longMinutes: 60, shortMinutes: 5, threshold: 14.4 },
  slow: { longMinutes: 360, shortMinutes: 30, threshold: 6 },
} as const;

export async function listTargets(db: Executor): Promise<SloTarget[]> {
  const rows = await db.select().from(sloTargets);
  return sloKeys.map((key) => {
    const row = rows.find((r) => r.key === key);
    return row ? { key, objective: row.objective, thresholdSeconds: row.thresholdSeconds, windowDays: row.windowDays } : defaultTargets[key];
  });
}

/** The SLO's events (good and all) as SQL selecting `at` (when the event happened) and `bad`. */
function events(target: SloTarget, teamIds: readonly string[] | null, raw = false): SQL {
  const teams = (alias: string) =>
    teamIds === null
      ? sql`true`
      : teamIds.length === 0
        ? sql`false`
        : sql`${sql.raw(alias)}.team_id in (${sql.join(
            teamIds.map((id) => sql`${id}::uuid`),
            sql`, `,
          )})`;
  if (target.key === "success")
    return sql`select r.finished_at as at, (r.status = 'failed') as bad from runs r join environments e on e.id = r.environment_id
      where r.kind = 'apply' and r.status in ('succeeded', 'failed') and ${teams("e")}`;
  const tier = target.key.slice("latency_".length);
  // The same timelines from slo_provisions (kept by triggers) unless asked to read the tables.
  if (!raw)
    return sql`select p.ready_at as at, (extract(epoch from (p.ready_at - p.submitted_at)) > ${target.thresholdSeconds ?? 0}) as bad
      from slo_provisions p where p.tier = ${tier} and ${teams("p")}`;
  return sql`select e.ready_at as at, (extract(epoch from (e.ready_at - q.submitted_at)) > ${target.thresholdSeconds ?? 0}) as bad
    from environments e join requests q on q.id = e.request_id
    where e.ready_at is not null and e.tier = ${tier} and ${teams("e")}`;
}

export type BurnRate = { long: number | null; short: number | null; firing: boolean };
export type SloStatus = SloTarget & {
  title: string;
  total: number;
  bad: number;
  /** Good / all over the window; null without events. */
  ratio: number | null;
  /** 1 = untouched, 0 = spent, negative = overspent. */
  budgetLeft: number | null;
  compliant: boolean | null;
  burn: { fast: BurnRate; slow: BurnRate };
};

/** The success SLO's window from the run outcomes (daily rollup plus the edges); the burn windows (6 h at most) from the runs. */
async function successWindow(db: Executor, target: SloTarget, input: SloStatusInput): Promise<Record<string, unknown>> {
  const from = new Date(input.now.getTime() - target.windowDays * 86_400_000);
  const result = await db.execute(sql`
    select coalesce(sum(o.apply_succeeded + o.apply_failed), 0)::int as w_total, coalesce(sum(o.apply_failed), 0)::int as w_bad
    from ${runOutcomes({ teamIds: input.teamIds, from, to: input.now, raw: input.raw })} o`);
  return result.rows[0] ?? {};
}

type SloStatusInput = { now: Date; teamIds: readonly string[] | null; targets?: SloTarget[]; raw?: boolean };

export async function sloStatus(db: Executor, input: SloStatusInput): Promise<SloStatus[]> {
  const targets = input.targets ?? (await listTargets(db));
  // Every target's statements together: on a pool each on its own connection (a transaction queues them).
  return Promise.all(targets.map((target) => statusOf(db, target, input)));
}

async function statusOf(db: Executor, target: SloTarget, input: SloStatusInput): Promise<SloStatus> {
  const since = (minutes: number) => ts(new Date(input.now.getTime() - minutes * 60_000));
  const rolledUp = target.key === "success";
  const windows = { ...(rolledUp ? {} : { w: target.windowDays * 1440 }), fl: 60, fs: 5, sl: 360, ss: 30 };
  const cols = Object.entries(windows).map(
    ([name, minutes]) =>
      sql`count(*) filter (where at >= ${since(minutes)})::int as ${sql.raw(`${name}_total`)}, count(*) filter (where at >= ${since(minutes)} and bad)::int as ${sql.raw(`${name}_bad`)}`,
  );
  const [result, window] = await Promise.all([
    db.execute(sql`
      with ev as (${events(target, input.teamIds, input.raw)})
      select ${sql.join(cols, sql`, `)} from ev where at >= ${since(Math.max(...Object.values(windows)))} and at < ${ts(input.now)}`),
    rolledUp ? successWindow(db, target, input) : {},
  ]);
  const row: Record<string, unknown> = { ...(result.rows[0] ?? {}), ...window };
  const budget = 1 - target.objective;
  const burnOf = (name: string) => {
    const total = Number(row[`${name}_total`] ?? 0);
    return total === 0 ? null : Number(row[`${name}_bad`] ?? 0) / total / budget;
  };
  const pair = (long: string, short: string, threshold: number): BurnRate => {
    const l = burnOf(long);
    const s = burnOf(short);
    return { long: l, short: s, firing: l !== null && s !== null && l > threshold && s > threshold };
  };
  const total = Number(row.w_total ?? 0);
  const bad = Number(row.w_bad ?? 0);
  const ratio = total === 0 ? null : (total - bad) / total;
  return {
    ...target,
    title: sloTitles[target.key],
    total,
    bad,
    ratio,
    budgetLeft: total === 0 ? null : 1 - bad / total / budget,
    compliant: ratio === null ? null : ratio >= target.objective,
    burn: { fast: pair("fl", "fs", burnWindows.fast.threshold), slow: pair("sl", "ss", burnWindows.slow.threshold) },
  };
}
