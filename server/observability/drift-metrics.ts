/** Drift families of /api/metrics (issue 13), from drift_checks and the environments' drift state. */
import { sql, type SQL } from "drizzle-orm";

type Query = <T extends Record<string, unknown>>(statement: SQL) => Promise<T[]>;
type Sample<L extends string> = { labels: Record<L, string>; value: number };
type Family = <L extends string>(
  type: "counter" | "gauge",
  name: string,
  help: string,
  labelNames: readonly L[],
  load: (query: Query) => Promise<Sample<L>[]>,
) => unknown;

export function driftFamilies(family: Family): void {
  family(
    "counter",
    "provisio_drift_checks_total",
    "Drift checks by engine and result (in_sync, drifted, failed: could not read).",
    ["engine", "result"],
    async (query) =>
      (
        await query<{ engine: string; result: string; n: number }>(sql`select engine, result, count(*)::int as n from drift_checks group by 1, 2`)
      ).map(({ n, ...labels }) => ({ labels, value: n })),
  );
  family("gauge", "provisio_environments_drifted", "Ready environments whose last drift check found drift, by tier.", ["tier"], async (query) =>
    (
      await query<{ tier: string; n: number }>(
        sql`select tier, count(*)::int as n from environments where status = 'ready' and drifted_since is not null group by 1`,
      )
    ).map(({ n, tier }) => ({ labels: { tier }, value: n })),
  );
  family(
    "gauge",
    "provisio_drift_age_seconds",
    "Seconds since the oldest unresolved drift began, by tier (absent when nothing is drifted).",
    ["tier"],
    async (query) =>
      (
        await query<{ tier: string; s: number }>(
          sql`select tier, extract(epoch from now() - min(drifted_since))::float8 as s
              from environments where status = 'ready' and drifted_since is not null group by 1`,
        )
      ).map(({ s, tier }) => ({ labels: { tier }, value: s })),
  );
}
