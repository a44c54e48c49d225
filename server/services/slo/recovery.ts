/**
 * M7 time to recover: from a failed apply, update or rollback run to the next time the same
 * environment succeeded a run, or (a failed create) the same team's environment of the same name
 * became ready again. Failures in the range that have not recovered by `to` are counted apart.
 */
import { sql } from "drizzle-orm";
import type { Executor } from "~/db/client";
import { scopeFilter, statsOf, statsSql, templateJoin, ts, type SloScope, type Stats } from "./scope";

export type TimeToRecover = Stats & { failures: number; unrecovered: number };

export async function timeToRecover(db: Executor, scope: SloScope): Promise<TimeToRecover> {
  const result = await db.execute(sql`
    -- Materialized: recovered_at is read by five aggregates, and an inlined CTE would run its lookups once for each.
    with failed as materialized (
      select r.finished_at as failed_at, least(
        -- runs_recovery_idx answers this with one probe per failure: (environment, finished) over successes.
        (select min(n.finished_at) from runs n
          where n.environment_id = r.environment_id and n.status = 'succeeded' and n.kind <> 'drift'
            and n.finished_at > r.finished_at and n.finished_at < ${ts(scope.to)}),
        (select min(o.ready_at) from environments o
          where o.team_id = e.team_id and o.name = e.name and o.id <> e.id
            and o.created_at >= r.finished_at and o.ready_at < ${ts(scope.to)})
      ) as recovered_at
      from runs r join environments e on e.id = r.environment_id ${templateJoin(scope, "e")}
      where r.kind in ('apply', 'update', 'rollback') and r.status = 'failed'
        and r.finished_at >= ${ts(scope.from)} and r.finished_at < ${ts(scope.to)} and ${scopeFilter(scope, "e", "t.name")}
    )
    select count(*)::int as failures, count(*) filter (where recovered_at is null)::int as unrecovered,
      ${statsSql(sql`extract(epoch from (recovered_at - failed_at))`)}
    from failed`);
  const row = result.rows[0];
  return { ...statsOf(row), failures: Number(row?.failures ?? 0), unrecovered: Number(row?.unrecovered ?? 0) };
}
