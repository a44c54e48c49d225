/** The debug dashboard: one template / engine / tier over a range, its slowest and failed runs, causes, retries and rate-limit answers. */
import { sql } from "drizzle-orm";
import type { Executor } from "~/db/client";
import { errorsByCause } from "./failures";
import { listRuns } from "./runs-list";
import { scopeFilter, statsOf, statsSql, ts, type SloScope } from "./scope";

export async function debugDashboard(db: Executor, scope: SloScope) {
  const totals = await db.execute(sql`
    select count(*)::int as runs, coalesce(sum(r.retries), 0)::int as retries, coalesce(sum(r.rate_limit_responses), 0)::int as rate_limited,
      ${statsSql(sql`extract(epoch from (r.finished_at - r.started_at))`)}
    from runs r join environments e on e.id = r.environment_id join template_versions tv on tv.id = e.template_version_id join templates t on t.id = tv.template_id
    where r.finished_at >= ${ts(scope.from)} and r.finished_at < ${ts(scope.to)} and ${scopeFilter(scope, "e", "t.name")}`);
  const row = totals.rows[0];
  return {
    runs: Number(row?.runs ?? 0),
    retries: Number(row?.retries ?? 0),
    rateLimitResponses: Number(row?.rate_limited ?? 0),
    duration: statsOf(row),
    errors: await errorsByCause(db, scope),
    slowest: await listRuns(db, scope, { order: "slowest", limit: 10 }),
    failed: await listRuns(db, scope, { status: "failed", limit: 20 }),
  };
}
