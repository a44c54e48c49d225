/**
 * A fleet's apply runs, read from their own rows and log lines (bench/runner.bench.ts and
 * bench/runner-probe.ts print these): the engine's time summed (the ideal's base) and, per run,
 * where its time goes around the engine calls.
 */
import { sql } from "drizzle-orm";
import type { Database } from "~/db/client";
import { sqlList } from "./sql-list";

/** The engine's own time (the `durationMs` of every created resource) over these requests' runs, and how many resources. */
export async function fleetEngineTime(db: Database, requestIds: readonly string[]): Promise<{ engineMs: number; resources: number }> {
  const { rows } = await db.execute(
    sql`select coalesce(sum((e.data->>'durationMs')::int), 0) as ms, count(*) as n from run_events e join runs u on u.id = e.run_id join environments v on v.id = u.environment_id where v.request_id in (${sqlList(requestIds)}) and e.data ? 'durationMs'`,
  );
  const row = rows[0] as { ms: string; n: string };
  return { engineMs: Number(row.ms), resources: Number(row.n) };
}

/** Means per apply run, in ms. */
export type RunBreakdown = {
  /** Approval (queued) to the run's open: waiting for a worker slot. */
  queueWaitMs: number;
  /** The open to the first "Creating" line: the run's loads and plan. */
  beforeFirstResourceMs: number;
  /** The open to "Apply started" (part of the above). */
  toApplyStartedMs: number;
  engineMs: number;
  /** First "Creating" to last "Created", beyond the engine's own time: the bookkeeping between resources. */
  betweenResourcesMs: number;
  /** Last "Created" to the outcome's finished_at. */
  afterLastResourceMs: number;
};

export async function runBreakdown(db: Database, requestIds: readonly string[]): Promise<RunBreakdown> {
  const { rows } = await db.execute(sql`
    with fleet as (select u.id, u.queued_at, u.started_at, u.finished_at from runs u join environments v on v.id = u.environment_id where v.request_id in (${sqlList(requestIds)}) and u.kind = 'apply'),
    ev as (select e.run_id, min(e.at) filter (where e.message like 'Apply started%') as apply_started, min(e.at) filter (where e.message like 'Creating %') as first_create,
      max(e.at) filter (where e.message like 'Created %') as last_created, coalesce(sum((e.data->>'durationMs')::int), 0) as engine_ms
      from run_events e join fleet f on f.id = e.run_id group by e.run_id)
    select avg(extract(epoch from (f.started_at - f.queued_at)) * 1000) as wait_ms,
           avg(extract(epoch from (ev.first_create - f.started_at)) * 1000) as before_ms,
           avg(extract(epoch from (ev.apply_started - f.started_at)) * 1000) as to_started_ms,
           avg(ev.engine_ms) as engine_ms,
           avg(extract(epoch from (ev.last_created - ev.first_create)) * 1000 - ev.engine_ms) as between_ms,
           avg(extract(epoch from (f.finished_at - ev.last_created)) * 1000) as after_ms
    from fleet f join ev on ev.run_id = f.id`);
  const b = rows[0] as Record<string, string>;
  return {
    queueWaitMs: Number(b.wait_ms),
    beforeFirstResourceMs: Number(b.before_ms),
    toApplyStartedMs: Number(b.to_started_ms),
    engineMs: Number(b.engine_ms),
    betweenResourcesMs: Number(b.between_ms),
    afterLastResourceMs: Number(b.after_ms),
  };
}
