/**
 * M3 partial applies (failed apply runs that left resources behind: made before the failure and
 * not deleted by then, so a cleanup that worked does not count), M5 errors by cause, and
 * M6 quota and budget blocks (denied previews and submits, plus runs the cloud's quota stopped).
 */
import { sql } from "drizzle-orm";
import type { Executor } from "~/db/client";
import { failureCauses, type FailureCause } from "~/db/vocabulary";
import { runOutcomes } from "./run-outcomes";
import { ratio, scopeFilter, templateJoin, ts, type SloScope } from "./scope";

const finishedIn = (scope: SloScope) => sql`r.finished_at >= ${ts(scope.from)} and r.finished_at < ${ts(scope.to)}`;
const runJoins = (scope: SloScope) => sql`from runs r join environments e on e.id = r.environment_id ${templateJoin(scope, "e")}`;

export type PartialApplies = { failedApplies: number; partial: number; ratio: number | null };

export async function partialApplies(db: Executor, scope: SloScope): Promise<PartialApplies> {
  // Every team and no filter (an admin's usual view): the runs alone, without joining environments.
  const narrowed = scope.teamIds !== null || scope.engine || scope.tier || scope.template;
  const result = await db.execute(sql`
    select count(*)::int as failed,
      count(*) filter (where exists (
        select 1 from environment_resources er
        where er.environment_id = r.environment_id and er.provider_id is not null
          and er.created_at <= r.finished_at and (er.deleted_at is null or er.deleted_at > r.finished_at)
      ))::int as partial
    ${narrowed ? runJoins(scope) : sql`from runs r`}
    where r.kind = 'apply' and r.status = 'failed' and ${finishedIn(scope)} and ${narrowed ? scopeFilter(scope, "e", "t.name") : sql`true`}`);
  const failed = Number(result.rows[0]?.failed ?? 0);
  const partial = Number(result.rows[0]?.partial ?? 0);
  return { failedApplies: failed, partial, ratio: ratio(partial, failed) };
}

export type ErrorsByCause = {
  finished: number;
  failed: number;
  byCause: Record<FailureCause, number>;
  byEngine: { engine: string; cause: FailureCause; count: number }[];
};

export async function errorsByCause(db: Executor, scope: SloScope): Promise<ErrorsByCause> {
  // Succeeded runs carry cause '' in the rollup; the raw query grouped them under 'unknown'. Only
  // their total is used, so either way gives the same answer.
  const result = await db.execute(sql`
    select o.engine, case when o.cause = '' then 'unknown' else o.cause end as cause, sum(o.failed)::int as failed, sum(o.succeeded + o.failed)::int as finished
    from ${runOutcomes(scope)} o group by 1, 2`);
  const byCause = Object.fromEntries(failureCauses.map((c) => [c, 0])) as Record<FailureCause, number>;
  let finished = 0;
  let failed = 0;
  const byEngine: ErrorsByCause["byEngine"] = [];
  for (const row of result.rows) {
    const cause = row.cause as FailureCause;
    const n = Number(row.failed);
    finished += Number(row.finished);
    failed += n;
    if (n > 0) {
      byCause[cause] += n;
      byEngine.push({ engine: String(row.engine), cause, count: n });
    }
  }
  byEngine.sort((a, b) => b.count - a.count || a.engine.localeCompare(b.engine));
  return { finished, failed, byCause, byEngine };
}

export type QuotaBlocks = {
  denied: { quota: { preview: number; submit: number }; budget: { preview: number; submit: number } };
  /** Runs the cloud's own quota stopped (cause quota). */
  runQuotaFailures: number;
};

export async function quotaBlocks(db: Executor, scope: SloScope): Promise<QuotaBlocks> {
  const teamFilter =
    scope.teamIds === null
      ? sql`true`
      : scope.teamIds.length === 0
        ? sql`false`
        : sql`d.team_id in (${sql.join(
            scope.teamIds.map((id) => sql`${id}::uuid`),
            sql`, `,
          )})`;
  const deniedRows = db.execute(sql`
    select d.rule::text as rule, d.stage::text as stage, count(*)::int as n from slo_denials d
    where d.at >= ${ts(scope.from)} and d.at < ${ts(scope.to)} and ${teamFilter}
      ${scope.template ? sql`and d.template_name = ${scope.template}` : sql``} ${scope.tier ? sql`and d.tier = ${scope.tier}` : sql``}
    group by 1, 2`);
  const runRows = db.execute(sql`select coalesce(sum(o.failed), 0)::int as n from ${runOutcomes(scope)} o where o.cause = 'quota'`);
  const [denied, runs] = await Promise.all([deniedRows, runRows]);
  const out: QuotaBlocks["denied"] = { quota: { preview: 0, submit: 0 }, budget: { preview: 0, submit: 0 } };
  for (const row of denied.rows) out[row.rule as "quota" | "budget"][row.stage as "preview" | "submit"] = Number(row.n);
  return { denied: out, runQuotaFailures: Number(runs.rows[0]?.n ?? 0) };
}
