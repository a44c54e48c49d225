/**
 * M1 provision success rate, two ways: per run (every finished apply attempt) and per request
 * (a create request whose environment became ready, against those that ended failed), both for
 * outcomes that landed in the range.
 */
import { sql } from "drizzle-orm";
import type { Executor } from "~/db/client";
import { runOutcomes } from "./run-outcomes";
import { ratio, scopeFilter, templateJoin, ts, type SloScope } from "./scope";

export type SuccessRate = { succeeded: number; failed: number; ratio: number | null };
export type SuccessSli = { runs: SuccessRate; requests: SuccessRate };

export async function successRate(db: Executor, scope: SloScope): Promise<SuccessSli> {
  const runRows = db.execute(sql`
    select coalesce(sum(o.apply_succeeded), 0)::int as succeeded, coalesce(sum(o.apply_failed), 0)::int as failed from ${runOutcomes(scope)} o`);
  // A request's outcome: ready when its environment became ready; failed when it ended failed
  // without ever being ready (few rows: environments_never_ready_idx).
  const requestRows = db.execute(sql`
    select
      (select count(*)::int from environments e ${templateJoin(scope, "e")}
        where e.ready_at >= ${ts(scope.from)} and e.ready_at < ${ts(scope.to)} and ${scopeFilter(scope, "e", "t.name")}) as succeeded,
      (select count(*)::int from environments e ${templateJoin(scope, "e")}
        where e.ready_at is null and e.status in ('failed', 'destroying', 'destroyed')
          and (select max(r.finished_at) from runs r where r.environment_id = e.id and r.kind = 'apply' and r.status = 'failed')
              between ${ts(scope.from)} and ${ts(scope.to)} - interval '1 microsecond'
          and ${scopeFilter(scope, "e", "t.name")}) as failed`);
  const of = (row: Record<string, unknown> | undefined): SuccessRate => {
    const succeeded = Number(row?.succeeded ?? 0);
    const failed = Number(row?.failed ?? 0);
    return { succeeded, failed, ratio: ratio(succeeded, succeeded + failed) };
  };
  // Sent together: on a pool each runs on its own connection (a transaction queues them).
  const [runs, requests] = await Promise.all([runRows, requestRows]);
  return { runs: of(runs.rows[0]), requests: of(requests.rows[0]) };
}
