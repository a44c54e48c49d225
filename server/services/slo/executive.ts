/** The executive dashboard: SLO compliance and budget left, the ten SLIs, trends, top cost drivers. */
import { sql } from "drizzle-orm";
import type { Executor } from "~/db/client";
import { computeSlis } from "./index";
import { scopeFilter, ts, type SloScope } from "./scope";
import { sloStatus } from "./targets";

export type TrendPoint = { at: string; succeeded: number; failed: number; successRatio: number | null; environments: number; spendCents: number };

/** One point per day (per hour for ranges up to two days). */
export async function trends(db: Executor, scope: SloScope): Promise<TrendPoint[]> {
  const step = scope.to.getTime() - scope.from.getTime() <= 2 * 86_400_000 ? "1 hour" : "1 day";
  const unit = step === "1 hour" ? "hour" : "day";
  const teams =
    scope.teamIds === null
      ? sql`true`
      : scope.teamIds.length === 0
        ? sql`false`
        : sql`team_id in (${sql.join(
            scope.teamIds.map((id) => sql`${id}::uuid`),
            sql`, `,
          )})`;
  const result = await db.execute(sql`
    with buckets as (
      select b as at, b + ${step}::interval as until from generate_series(date_trunc(${unit}, ${ts(scope.from)}), ${ts(scope.to)} - interval '1 microsecond', ${step}::interval) b
    ),
    outcomes as (
      select date_trunc(${unit}, r.finished_at) as at, count(*) filter (where r.status = 'succeeded')::int as ok, count(*) filter (where r.status = 'failed')::int as bad
      from runs r join environments e on e.id = r.environment_id join template_versions tv on tv.id = e.template_version_id join templates t on t.id = tv.template_id
      where r.kind = 'apply' and r.status in ('succeeded', 'failed') and r.finished_at >= ${ts(scope.from)} and r.finished_at < ${ts(scope.to)} and ${scopeFilter(scope, "e", "t.name")}
      group by 1
    )
    select b.at, coalesce(o.ok, 0) as ok, coalesce(o.bad, 0) as bad,
      (select count(*)::int from environments e where ${teams} and e.ready_at < b.until and (e.destroyed_at is null or e.destroyed_at >= b.until)) as environments,
      (select coalesce(sum(c.hourly_micros * extract(epoch from (least(coalesce(c.ended_at, b.until), b.until) - greatest(c.started_at, b.at))) / 3600.0), 0)::float8
        from cost_records c where ${teams} and c.started_at < b.until and (c.ended_at is null or c.ended_at > b.at)) as micros
    from buckets b left join outcomes o on o.at = b.at order by b.at`);
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
  const slos = await sloStatus(db, { now: scope.to, teamIds: scope.teamIds });
  const slis = await computeSlis(db, scope);
  const trend = await trends(db, scope);
  return { slos, slis, trend, topCostDrivers: slis.m8.slice(0, 5) };
}
