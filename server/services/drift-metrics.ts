/**
 * Drift figures for the provisioning SLIs (seed M4 and M9; the SLO work calls these):
 * - occurrences: checks that found NEW drift (a fingerprint other than the environment's
 *   previous check's), in a time range;
 * - unauthorized change rate: the share of those not explained by a portal run, i.e. with no
 *   run of the portal that changes resources (apply, update, rollback, reconcile) failing or
 *   finishing on that environment since its previous check (a failed or interrupted portal run
 *   can leave resources half-changed; anything else changed outside the portal).
 */
import { sql } from "drizzle-orm";
import type { Executor } from "~/db/client";

export type DriftRange = { from: Date; to: Date; teamId?: string; environmentId?: string };

const occurrencesSql = (range: DriftRange) => sql`
  with checks as (
    select c.environment_id, c.result, c.fingerprint, c.checked_at, c.engine,
           lag(c.fingerprint) over w as previous_fingerprint,
           lag(c.checked_at) over w as previous_checked_at
    from drift_checks c join environments e on e.id = c.environment_id
    where c.result <> 'failed'
      ${range.teamId ? sql`and e.team_id = ${range.teamId}` : sql``}
      ${range.environmentId ? sql`and c.environment_id = ${range.environmentId}` : sql``}
    window w as (partition by c.environment_id order by c.checked_at)
  )
  select * from checks
  where result = 'drifted' and fingerprint is distinct from previous_fingerprint
    and checked_at >= ${range.from} and checked_at < ${range.to}`;

/** M4: new drift found in the range, in all and per engine. */
export async function driftOccurrences(db: Executor, range: DriftRange) {
  const rows = (
    await db.execute(sql`select engine, count(*)::int as n, count(distinct environment_id)::int as envs from (${occurrencesSql(range)}) o group by 1`)
  ).rows as { engine: string; n: number; envs: number }[];
  return {
    occurrences: rows.reduce((sum, r) => sum + r.n, 0),
    environments: rows.reduce((sum, r) => sum + r.envs, 0),
    byEngine: Object.fromEntries(rows.map((r) => [r.engine, r.n])),
  };
}

/** M9: drifts not explained by a portal run, over all drifts found in the range (null when none were found). */
export async function unauthorizedChangeRate(db: Executor, range: DriftRange) {
  const [row] = (
    await db.execute(sql`
      select count(*)::int as drifts,
             count(*) filter (where not exists (
               select 1 from runs r
               where r.environment_id = o.environment_id
                 and r.kind in ('apply', 'update', 'rollback', 'reconcile')
                 and r.finished_at is not null
                 and r.finished_at <= o.checked_at
                 and r.finished_at > coalesce(o.previous_checked_at, '-infinity'::timestamptz)
                 and r.status <> 'succeeded'
             ))::int as unexplained
      from (${occurrencesSql(range)}) o`)
  ).rows as { drifts: number; unexplained: number }[];
  const drifts = row?.drifts ?? 0;
  const unexplained = row?.unexplained ?? 0;
  return { drifts, unexplained, rate: drifts ? unexplained / drifts : null };
}
