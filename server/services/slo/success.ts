/**
 * M1 provision success rate, two ways: per run (every finished apply attempt) and per request
 * (a create request whose environment became ready, against those that ended failed), both for
 * outcomes that landed in the range.
 */
import { sql } from "drizzle-orm";
import type { Executor } from "~/db/client";
import { runOutcomes } from "./run-outcomes";
import { ratio, scopeFilter, ts, type SloScope } from "./scope";

export type SuccessRate = { succeeded: number; failed: number; ratio: number | null };
export type SuccessSli = { runs: SuccessRate; requests: SuccessRate };

export async function successRate(db: Executor, scope: SloScope): Promise<SuccessSli> {
  const runRows = await db.execute(sql`
    select coalesce(sum(o.apply_succeeded), 0)::int as succeeded, coalesce(sum(o.apply_failed), 0)::int as failed from ${runOutcomes(scope)} o`);
  // A request's outcome: ready when its environment became ready; failed when it ended failed.
  const requestRows = await db.execute(sql`
    select count(*) filter (where e.ready_at is not null)::int as succeeded,
           count(*) filter (where e.ready_at is null)::int as failed
    from environments e join template_versions tv on tv.id = e.template_version_id join templates t on t.id = tv.template_id
    where ((e.ready_at >= ${ts(scope.from)} and e.ready_at < ${ts(scope.to)})
        or (e.ready_at is null and e.status in ('failed', 'destroying', 'destroyed')
            and (select max(r.finished_at) from runs r where r.environment_id = e.id and r.kind = 'apply' and r.status = 'failed')
                between ${ts(scope.from)} and ${ts(scope.to)} - interval '1 microsecond'))
      and ${scopeFilter(scope, "e", "t.name")}`);
  const of = (row: Record<string, unknown> | undefined): SuccessRate => {
    const succeeded = Number(row?.succeeded ?? 0);
    const failed = Number(row?.failed ?? 0);
    return { succeeded, failed, ratio: ratio(succeeded, succeeded + failed) };
  };
  return { runs: of(runRows.rows[0]), requests: of(requestRows.rows[0]) };
}
