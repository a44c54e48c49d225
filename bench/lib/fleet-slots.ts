/**
 * Where a fleet's wall-clock time goes beyond its runs, from the runs' own rows: how many of the
 * worker's slots ran a run, 10 ms step by 10 ms step, from the first approval to the last run's end,
 * and the idle slot time split into the ramp (until the slots' worth of runs had started), the tail
 * (after the last run started) and in between (a slot's turnover from one job to the next).
 */
import { sql } from "drizzle-orm";
import type { Database } from "~/db/client";
import { sqlList } from "./sql-list";

export type FleetSlots = {
  /** Mean runs running. */
  running: number;
  /** Mean slots idle while approved work waited for one (the queue's handover). */
  idleWithWork: number;
  /** Run time summed over runs (start to end), in ms. */
  busyMs: number;
  rampMs: number;
  betweenMs: number;
  tailMs: number;
};

/** `ended`: the runs' finished_at, or their commit time (needs track_commit_timestamp). */
export async function fleetSlots(
  db: Database,
  requestIds: readonly string[],
  slots: number,
  ended: "finished_at" | "commit" = "finished_at",
): Promise<FleetSlots> {
  const list = sqlList(requestIds);
  const done = ended === "commit" ? sql`pg_xact_commit_timestamp(u.xmin)` : sql`u.finished_at`;
  const result = await db.execute(sql`
    with fleet as (select r.queued_at, u.started_at, ${done} as done from runs u join environments v on v.id = u.environment_id join requests r on r.id = v.request_id where r.id in (${list}) and u.kind = 'apply'),
    span as (select min(queued_at) as a, max(done) as b from fleet),
    t as (select generate_series(a, b, interval '10 milliseconds') as at from span),
    counted as (select t.at, (select count(*) from fleet f where f.started_at <= t.at and f.done > t.at) as running, (select count(*) from fleet f where f.queued_at <= t.at and f.started_at > t.at) as waiting from t)
    select avg(running) as running, avg(least(${slots} - running, waiting)) as idle_with_work,
      (select sum(extract(epoch from done - started_at)) * 1000 from fleet) as busy_ms,
      sum(${slots} - running) filter (where at < (select started_at from fleet order by started_at offset ${slots - 1} limit 1)) * 10 as ramp_ms,
      sum(${slots} - running) filter (where at > (select max(started_at) from fleet)) * 10 as tail_ms,
      sum(${slots} - running) * 10 as idle_ms
    from counted`);
  const row = result.rows[0] as Record<string, string | null>;
  const [rampMs, tailMs, idleMs] = [Number(row.ramp_ms ?? 0), Number(row.tail_ms ?? 0), Number(row.idle_ms ?? 0)];
  return {
    running: Number(row.running),
    idleWithWork: Number(row.idle_with_work),
    busyMs: Number(row.busy_ms),
    rampMs,
    betweenMs: idleMs - rampMs - tailMs,
    tailMs,
  };
}
