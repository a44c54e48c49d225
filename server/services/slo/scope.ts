/**
 * What every SLI query takes: a time range (`from` inclusive, `to` exclusive; pass both, so
 * tests control the clock) and the teams the viewer may see (null = every team: admins and
 * auditors). Filters for one template, engine or tier narrow the debug view.
 */
import { sql, type SQL } from "drizzle-orm";

export type SloRange = { from: Date; to: Date };
export type SloScope = SloRange & {
  teamIds: readonly string[] | null;
  template?: string;
  engine?: string;
  tier?: "dev" | "staging" | "prod";
  /** Count every run from `runs`, bypassing the daily rollup (tests and the benchmark compare the two). */
  raw?: boolean;
};

export const ts = (d: Date): SQL => sql`${d.toISOString()}::timestamptz`;

/**
 * The join to an environments row's template (as `t`), only when the scope names a template:
 * scopeFilter reads t.name for nothing else, and the join costs a pass over every row.
 */
export const templateJoin = (scope: SloScope, env: string): SQL =>
  scope.template ? sql`join template_versions tv on tv.id = ${sql.raw(env)}.template_version_id join templates t on t.id = tv.template_id` : sql``;

/** `alias` is an environments row (its team, engine, tier) joined to its template version's template. */
export function scopeFilter(scope: SloScope, env: string, templateName: string): SQL {
  const parts: SQL[] = [sql`true`];
  if (scope.teamIds) {
    if (scope.teamIds.length === 0) return sql`false`;
    parts.push(
      sql`${sql.raw(env)}.team_id in (${sql.join(
        scope.teamIds.map((id) => sql`${id}::uuid`),
        sql`, `,
      )})`,
    );
  }
  if (scope.engine) parts.push(sql`${sql.raw(env)}.engine = ${scope.engine}`);
  if (scope.tier) parts.push(sql`${sql.raw(env)}.tier = ${scope.tier}`);
  if (scope.template) parts.push(sql`${sql.raw(templateName)} = ${scope.template}`);
  return sql.join(parts, sql` and `);
}

/** Summary statistics in seconds; null when there was nothing to measure. */
export type Stats = { count: number; mean: number | null; p50: number | null; p95: number | null };

export const statsSql = (seconds: SQL): SQL =>
  sql`count(${seconds})::int as count, avg(${seconds})::float8 as mean,
      percentile_cont(0.5) within group (order by ${seconds})::float8 as p50,
      percentile_cont(0.95) within group (order by ${seconds})::float8 as p95`;

export function statsOf(row: Record<string, unknown> | undefined, prefix = ""): Stats {
  const num = (v: unknown) => (v === null || v === undefined ? null : Number(v));
  return {
    count: Number(row?.[`${prefix}count`] ?? 0),
    mean: num(row?.[`${prefix}mean`]),
    p50: num(row?.[`${prefix}p50`]),
    p95: num(row?.[`${prefix}p95`]),
  };
}

export const ratio = (good: number, total: number): number | null => (total === 0 ? null : good / total);
