/**
 * M2 time to provision (request submitted → environment ready, approvals and queue included)
 * and M10 pipeline latency per stage, for environments that became ready in the range. The
 * stages add up to the total:
 * - validation: decided → queued (policy, plan and template checks run inside submit and the
 *   approval, so this is the hand-over to the queue; near zero unless that step slows down),
 * - approval wait: submitted → decided (zero when auto-approved),
 * - queue wait: queued → the first apply attempt starting,
 * - apply: that start → ready (retries and resumes included).
 */
import { sql } from "drizzle-orm";
import type { Executor } from "~/db/client";
import { scopeFilter, statsOf, statsSql, ts, type SloScope, type Stats } from "./scope";

export const pipelineStages = ["validation", "approval_wait", "queue_wait", "apply"] as const;
export type PipelineStage = (typeof pipelineStages)[number];
export type TimeToProvision = { total: Stats; stages: Record<PipelineStage, Stats>; byTier: Record<string, Stats> };

const seconds = (a: string, b: string) => sql.raw(`greatest(0, extract(epoch from (${b} - ${a})))`);

function timelines(scope: SloScope) {
  return sql`
    select e.tier, q.submitted_at, coalesce(q.decided_at, q.submitted_at) as decided_at,
           coalesce(q.queued_at, q.decided_at, q.submitted_at) as queued_at,
           coalesce(first_run.started_at, e.ready_at) as started_at, e.ready_at
    from environments e
    join requests q on q.id = e.request_id
    join template_versions tv on tv.id = e.template_version_id join templates t on t.id = tv.template_id
    left join lateral (
      select min(r.started_at) as started_at from runs r where r.environment_id = e.id and r.kind = 'apply'
    ) first_run on true
    where e.ready_at >= ${ts(scope.from)} and e.ready_at < ${ts(scope.to)} and ${scopeFilter(scope, "e", "t.name")}`;
}

export async function timeToProvision(db: Executor, scope: SloScope): Promise<TimeToProvision> {
  const result = await db.execute(sql`
    with tl as (${timelines(scope)})
    select grouping(tier) as overall, tier, ${statsSql(seconds("submitted_at", "ready_at"))},
      ${sql.raw(
        (
          [
            ["validation", "decided_at", "queued_at"],
            ["approval_wait", "submitted_at", "decided_at"],
            ["queue_wait", "queued_at", "started_at"],
            ["apply", "started_at", "ready_at"],
          ] as const
        )
          .map(([stage, a, b]) => {
            const s = `greatest(0, extract(epoch from (${b} - ${a})))`;
            return `count(${s})::int as ${stage}_count, avg(${s})::float8 as ${stage}_mean,
              percentile_cont(0.5) within group (order by ${s})::float8 as ${stage}_p50,
              percentile_cont(0.95) within group (order by ${s})::float8 as ${stage}_p95`;
          })
          .join(",\n"),
      )}
    from tl group by grouping sets ((), (tier))`);
  // One pass: the overall row (grouping 1) and one per tier.
  const row = result.rows.find((r) => Number(r.overall) === 1);
  const tiers = result.rows.filter((r) => Number(r.overall) === 0).sort((a, b) => String(a.tier).localeCompare(String(b.tier)));
  return {
    total: statsOf(row),
    stages: Object.fromEntries(pipelineStages.map((s) => [s, statsOf(row, `${s}_`)])) as Record<PipelineStage, Stats>,
    byTier: Object.fromEntries(tiers.map((r) => [String(r.tier), statsOf(r)])),
  };
}
