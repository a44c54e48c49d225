/**
 * The runs behind a number: every figure on the SLO dashboards links to this list with the same
 * filters (status, cause, engine, template, tier, range), scoped to the viewer's teams.
 */
import { sql } from "drizzle-orm";
import type { Executor } from "~/db/client";
import type { FailureCause, RunStatus } from "~/db/vocabulary";
import { scopeFilter, ts, type SloScope } from "./scope";

export type RunRow = {
  id: string;
  environmentId: string;
  environmentName: string;
  teamSlug: string;
  template: string;
  engine: string;
  tier: string;
  kind: string;
  status: RunStatus;
  failureCause: FailureCause | null;
  error: string | null;
  retries: number;
  rateLimitResponses: number;
  queuedAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  durationSeconds: number | null;
  heartbeatAgeSeconds: number | null;
};

export type RunFilter = { status?: RunStatus; cause?: FailureCause; order?: "recent" | "slowest"; limit?: number; kind?: "apply" };

export const runColumns = sql`r.id, r.environment_id, e.name as environment_name, tm.slug as team_slug, t.name as template, e.engine, e.tier,
  r.kind::text as kind, r.status::text as status, r.failure_cause::text as failure_cause, r.error, r.retries, r.rate_limit_responses,
  r.queued_at, r.started_at, r.finished_at,
  extract(epoch from (r.finished_at - r.started_at))::float8 as duration_seconds,
  extract(epoch from (now() - r.heartbeat_at))::float8 as heartbeat_age_seconds`;
export const runFrom = sql`from runs r join environments e on e.id = r.environment_id join teams tm on tm.id = e.team_id
  join template_versions tv on tv.id = e.template_version_id join templates t on t.id = tv.template_id`;

const iso = (v: unknown) => (v === null || v === undefined ? null : new Date(v as string).toISOString());
export function runRowOf(row: Record<string, unknown>): RunRow {
  return {
    id: String(row.id),
    environmentId: String(row.environment_id),
    environmentName: String(row.environment_name),
    teamSlug: String(row.team_slug),
    template: String(row.template),
    engine: String(row.engine),
    tier: String(row.tier),
    kind: String(row.kind),
    status: row.status as RunStatus,
    failureCause: (row.failure_cause as FailureCause | null) ?? null,
    error: (row.error as string | null) ?? null,
    retries: Number(row.retries ?? 0),
    rateLimitResponses: Number(row.rate_limit_responses ?? 0),
    queuedAt: iso(row.queued_at)!,
    startedAt: iso(row.started_at),
    finishedAt: iso(row.finished_at),
    durationSeconds: row.duration_seconds === null || row.duration_seconds === undefined ? null : Number(row.duration_seconds),
    heartbeatAgeSeconds: row.heartbeat_age_seconds === null || row.heartbeat_age_seconds === undefined ? null : Number(row.heartbeat_age_seconds),
  };
}

/** Finished runs in the range (queued or running ones by when they were queued), newest or slowest first. */
export async function listRuns(db: Executor, scope: SloScope, filter: RunFilter = {}): Promise<RunRow[]> {
  const when = sql`coalesce(r.finished_at, r.queued_at)`;
  const result = await db.execute(sql`
    select ${runColumns} ${runFrom}
    where ${when} >= ${ts(scope.from)} and ${when} < ${ts(scope.to)} and ${scopeFilter(scope, "e", "t.name")}
      ${filter.status ? sql`and r.status = ${filter.status}` : sql``}
      ${filter.cause ? sql`and r.failure_cause = ${filter.cause}` : sql``}
      ${filter.kind ? sql`and r.kind = ${filter.kind}` : sql``}
    order by ${filter.order === "slowest" ? sql`(r.finished_at - r.started_at) desc nulls last` : sql`${when} desc`}
    limit ${filter.limit ?? 50}`);
  return result.rows.map(runRowOf);
}
