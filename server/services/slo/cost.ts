/**
 * M8 cost per environment, by template and tier: what the cost records accrued inside the range
 * (each record's rate × the hours it overlaps the range), divided by the environments that
 * accrued any. Money in integer cents (rounded once, per group).
 */
import { sql } from "drizzle-orm";
import type { Executor } from "~/db/client";
import { ts, type SloScope } from "./scope";

export type CostGroup = { template: string; tier: string; environments: number; totalCents: number; perEnvironmentCents: number };

export async function costPerEnvironment(db: Executor, scope: SloScope): Promise<CostGroup[]> {
  const teamFilter =
    scope.teamIds === null
      ? sql`true`
      : scope.teamIds.length === 0
        ? sql`false`
        : sql`c.team_id in (${sql.join(
            scope.teamIds.map((id) => sql`${id}::uuid`),
            sql`, `,
          )})`;
  // Per environment first (hashed), then per template and tier: the same sums and distinct counts
  // as one count(distinct), without sorting every record by text keys. In float8, not numeric: a
  // third of the time, and the hash table fits work_mem (numeric sums spilled it to disk); the
  // error (about 1e-16 relative) never reaches the cents rounded once per group.
  const result = await db.execute(sql`
    select x.template_name as template, x.tier, count(*)::int as environments, sum(x.micros)::float8 as micros
    from (
    select c.template_name, c.tier, c.environment_id,
      sum(c.hourly_micros::float8 * date_part('epoch', least(coalesce(c.ended_at, ${ts(scope.to)}), ${ts(scope.to)}) - greatest(c.started_at, ${ts(scope.from)}))) / 3600.0 as micros
    from cost_records c
    where c.started_at < ${ts(scope.to)} and (c.ended_at is null or c.ended_at > ${ts(scope.from)}) and ${teamFilter}
      ${scope.template ? sql`and c.template_name = ${scope.template}` : sql``} ${scope.tier ? sql`and c.tier = ${scope.tier}` : sql``}
      ${scope.engine ? sql`and c.engine = ${scope.engine}` : sql``}
    group by 1, 2, 3) x
    group by 1, 2 order by micros desc`);
  return result.rows.map((row) => {
    const environments = Number(row.environments);
    const totalCents = Math.round(Number(row.micros) / 10_000);
    return {
      template: String(row.template),
      tier: String(row.tier),
      environments,
      totalCents,
      perEnvironmentCents: environments ? Math.round(totalCents / environments) : 0,
    };
  });
}
