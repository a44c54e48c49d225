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

export type DriftRange = {
  from: Date;
  to: Date;
  teamId?: string;
  /** The SLO dashboards' scope: these teams only (null or absent = every team). */
  teamIds?: readonly string[] | null;
  environmentId?: string;
  engine?: string;
  tier?: string;
  template?: string;
};

function scopeOf(range: DriftRange) {
  const parts = [sql`true`];
  if (range.teamId) parts.push(sql`e.team_id = ${range.teamId}`);
  if (range.teamIds)
    parts.push(
      range.teamIds.length === 0
        ? sql`false`
        : sql`e.team_id in (${sql.join(
            range.teamIds.map((id) => sql`${id}::uuid`),
            sql`, `,
          )})`,
    );
  if (range.environmentId) parts.push(sql`c.environment_id = ${range.environmentId}`);
  if (range.engine) parts.push(sql`e.engine = ${range.engine}`);
  if (range.tier) parts.push(sql`e.tier = ${range.tier}`);
  if (range.template)
    parts.push(
      sql`e.template_version_id in (select tv.id from template_versions tv join templates t on t.id = tv.template_id where t.name = ${range.template})`,
    );
  return sql.join(parts, sql` and `);
}

const occurrencesSql = (range: DriftRange) => sql`
  with checks as (
    select c.environment_id, c.result, c.fingerprint, c.checked_at, c.engine,
           lag(c.fingerprint) over w as previous_fingerprint,
           lag(c.checked_at) over w as previous_checked_at
    from drift_checks c join environments e on e.id = c.environment_id
    where c.result <> 'failed' and ${scopeOf(range)}
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

/** Environments with at least one completed check in the range: the denominator of M4 per environment-week. */
export async function checkedEnvironments(db: Executor, range: DriftRange): Promise<number> {
  const [row] = (
    await db.execute(sql`
      select count(distinct c.environment_id)::int as n
      from drift_checks c join environments e on e.id = c.environment_id
      where c.result <> 'failed' and c.checked_at >= ${range.from} and c.checked_at < ${range.to} and ${scopeOf(range)}`)
  ).rows as { n: number }[];
  return row?.n ?? 0;
}
