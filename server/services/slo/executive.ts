/** The executive dashboard: SLO compliance and budget left, the ten SLIs, trends, top cost drivers. */
import { sql } from "drizzle-orm";
import type { Executor } from "~/db/client";
import { computeSlis } from "./index";
import { runOutcomes } from "./run-outcomes";
import { ts, type SloScope } from "./scope";
import { sloStatus } from "./targets";

export type TrendPoint = { at: string; succeeded: number; failed: number; successRatio: number | null; environments: number; spendCents: number };

/**
 * One point per day (per hour for ranges up to two days): apply outcomes (from the run outcomes:
 * the daily rollup for whole days; hourly points count the runs), environments alive at each
 * point's end, and spend accrued inside it. Environments and spend are running sums over start
 * (+) and end (−) events, which the daily rollup slo_fleet_days holds per UTC day and team:
 * - alive at t = environments ready before t − those whose end (destroyed, not before ready) is before t;
 * - accrued up to t: F(t) = Σ rate × (min(t, end) − start)⁺ = t·R(t) − S(t), with R the rates and S
 *   rate × time (epoch seconds) summed over starts (+) and ends (−) before t; a point's spend is
 *   F(until) − F(at), in exact numeric, divided by 3600 once.
 * Daily points start at whole days, so they read only the rollup. Hourly points read the rollup
 * for the days before the first point's day and the events from that day on from the tables.
 */
export async function trends(db: Executor, scope: SloScope): Promise<TrendPoint[]> {
  const step = scope.to.getTime() - scope.from.getTime() <= 2 * 86_400_000 ? "1 hour" : "1 day";
  const unit = step === "1 hour" ? "hour" : "day";
  const teamIn = (alias: string) =>
    scope.teamIds === null
      ? sql`true`
      : scope.teamIds.length === 0
        ? sql`false`
        : sql`${sql.raw(alias)}.team_id in (${sql.join(
            scope.teamIds.map((id) => sql`${id}::uuid`),
            sql`, `,
          )})`;
  const outcomes = runOutcomes(unit === "hour" ? { ...scope, raw: true } : scope);
  // Hourly: the first point's day and on, event by event (each table's rows of up to three days).
  const recentEvents = sql`
      select e.ready_at, 1, 0::numeric from environments e, bounds where ${teamIn("e")} and e.ready_at >= bounds.first_day and e.ready_at < bounds.last_until
      union all
      select greatest(e.ready_at, e.destroyed_at), -1, 0::numeric from environments e, bounds
      where ${teamIn("e")} and e.ready_at is not null and e.destroyed_at is not null
        and greatest(e.ready_at, e.destroyed_at) >= bounds.first_day and greatest(e.ready_at, e.destroyed_at) < bounds.last_until
      union all
      select c.started_at, 0, c.hourly_micros::numeric from cost_records c, bounds where ${teamIn("c")} and c.started_at >= bounds.first_day and c.started_at < bounds.last_until
      union all
      select c.ended_at, 0, -c.hourly_micros::numeric from cost_records c, bounds where ${teamIn("c")} and c.ended_at >= bounds.first_day and c.ended_at < bounds.last_until`;
  const result = await db.execute(sql`
    with buckets as (
      select b as at, b + ${step}::interval as until from generate_series(date_trunc(${unit}, ${ts(scope.from)}), ${ts(scope.to)} - interval '1 microsecond', ${step}::interval) b
    ),
    bounds as (select min(at) as first_at, date_trunc('day', min(at), 'UTC') as first_day, max(until) as last_until from buckets),
    outcomes as (
      select date_trunc(${unit}, o.at) as at, sum(o.apply_succeeded)::int as ok, sum(o.apply_failed)::int as bad from ${outcomes} o group by 1
    ),
    events as (
      select v.at, v.n, v.rate, v.rs from (
        select (d.day::timestamp at time zone 'UTC') as at, d.environments as n, d.rate_micros as rate, d.rate_seconds as rs
        from slo_fleet_days d where ${teamIn("d")}) v, bounds
      where v.at < bounds.${sql.raw(unit === "hour" ? "first_day" : "last_until")}
      ${unit === "hour" ? sql`union all select x.at, x.n, x.rate, x.rate * extract(epoch from x.at) from (${recentEvents}) x(at, n, rate)` : sql``}
    ),
    base as (select coalesce(sum(v.n), 0) as n, coalesce(sum(v.rate), 0) as r, coalesce(sum(v.rs), 0) as s from events v, bounds where v.at < bounds.first_at),
    delta as (select date_trunc(${unit}, v.at) as at, sum(v.n) as n, sum(v.rate) as r, sum(v.rs) as s from events v, bounds where v.at >= bounds.first_at group by 1),
    running as (
      select b.at, eb.n + sum(coalesce(d.n, 0)) over w as environments,
        extract(epoch from b.until) * (eb.r + sum(coalesce(d.r, 0)) over w) - (eb.s + sum(coalesce(d.s, 0)) over w) as accrued,
        extract(epoch from bounds.first_at) * eb.r - eb.s as accrued_before
      from buckets b cross join bounds cross join base eb
      left join delta d on d.at = b.at
      window w as (order by b.at rows unbounded preceding)
    )
    select b.at, coalesce(o.ok, 0) as ok, coalesce(o.bad, 0) as bad, b.environments::int as environments,
      ((b.accrued - coalesce(lag(b.accrued) over (order by b.at), b.accrued_before)) / 3600.0)::float8 as micros
    from running b left join outcomes o on o.at = b.at order by b.at`);
  return result.rows.map((row) => {
    const succeeded = Number(row.ok);
    const failed = Number(row.bad);
    return {
      at: new Date(row.at as string).toISOString(),
      succeeded,
      failed,
      successRatio: succeeded + failed === 0 ? null : succeeded / (succeeded + failed),
      environments: Number(row.environments),
      spendCents: Math.round(Number(row.micros) / 10_000),
    };
  });
}

export async function executiveDashboard(db: Executor, scope: SloScope) {
  const [slos, slis, trend] = await Promise.all([
    sloStatus(db, { now: scope.to, teamIds: scope.teamIds, raw: scope.raw }),
    computeSlis(db, scope),
    trends(db, scope),
  ]);
  return { slos, slis, trend, topCostDrivers: slis.m8.slice(0, 5) };
}
