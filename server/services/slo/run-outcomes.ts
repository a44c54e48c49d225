/**
 * Finished runs (succeeded or failed) in a scope and range, as rows of counts the SLIs sum:
 * whole UTC days come from the daily rollup `slo_run_days` (kept exact by triggers), the partial
 * days at the range's edges from `runs` itself, so any range gives the same answer as counting
 * the runs directly (`scope.raw` does that, for tests and the benchmark) at a cost that grows with
 * days × teams × templates rather than with runs.
 *
 * Each row: `at` (the run's finish, or the rollup day's start in UTC), team_id, template_name,
 * tier, engine, cause ('' succeeded, else the failure cause, 'unknown' when none) and the counts
 * apply_succeeded, apply_failed, succeeded, failed.
 */
import { sql, type SQL } from "drizzle-orm";
import { scopeFilter, ts, type SloScope } from "./scope";

const DAY = 86_400_000;
const dayFloor = (d: Date) => new Date(Math.floor(d.getTime() / DAY) * DAY);
const dayCeil = (d: Date) => new Date(Math.ceil(d.getTime() / DAY) * DAY);

function rawRuns(scope: SloScope, when: SQL): SQL {
  return sql`select r.finished_at as at, e.team_id, t.name as template_name, e.tier, e.engine,
      case when r.status = 'failed' then coalesce(r.failure_cause::text, 'unknown') else '' end as cause,
      (r.kind = 'apply' and r.status = 'succeeded')::int as apply_succeeded, (r.kind = 'apply' and r.status = 'failed')::int as apply_failed,
      (r.status = 'succeeded')::int as succeeded, (r.status = 'failed')::int as failed
    from runs r join environments e on e.id = r.environment_id join template_versions tv on tv.id = e.template_version_id join templates t on t.id = tv.template_id
    where r.status in ('succeeded', 'failed') and ${when} and ${scopeFilter(scope, "e", "t.name")}`;
}

const finishedBetween = (from: Date, to: Date) => sql`(r.finished_at >= ${ts(from)} and r.finished_at < ${ts(to)})`;

/** A derived table (alias it) of finished-run counts for the scope's range; see the file comment. */
export function runOutcomes(scope: SloScope): SQL {
  const firstDay = dayCeil(scope.from);
  const endDay = dayFloor(scope.to);
  if (scope.raw || firstDay >= endDay) return sql`(${rawRuns(scope, finishedBetween(scope.from, scope.to))})`;
  const edges = sql`(${finishedBetween(scope.from, firstDay)} or ${finishedBetween(endDay, scope.to)})`;
  const day = (d: Date) => sql`${d.toISOString().slice(0, 10)}::date`;
  return sql`(
    select (d.day::timestamp at time zone 'UTC') as at, d.team_id, d.template_name, d.tier, d.engine, d.cause,
      d.apply_succeeded, d.apply_failed, d.succeeded, d.failed
    from slo_run_days d where d.day >= ${day(firstDay)} and d.day < ${day(endDay)} and ${scopeFilter(scope, "d", "d.template_name")}
    union all
    ${rawRuns(scope, edges)})`;
}
