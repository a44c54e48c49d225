/**
 * The on-call dashboard, as of `now`: runs failing in the last hour, stuck runs (running with no
 * heartbeat for longer than a claim lasts), the queue's depth and age, approvals waiting longest,
 * burn-rate alerts firing, worker health and engine errors by cause in the last hour.
 */
import { sql } from "drizzle-orm";
import type { Executor } from "~/db/client";
import { STALE_RUN_MS } from "~/server/runs/store";
import { errorsByCause } from "./failures";
import { runColumns, runFrom, runRowOf } from "./runs-list";
import { scopeFilter, ts, type SloScope } from "./scope";
import { sloStatus } from "./targets";

const HOUR = 3_600_000;

export async function oncallDashboard(db: Executor, scope: Pick<SloScope, "teamIds"> & { now: Date }) {
  const now = scope.now;
  const lastHour: SloScope = { teamIds: scope.teamIds, from: new Date(now.getTime() - HOUR), to: now };
  const failing = await db.execute(sql`
    select ${runColumns} ${runFrom}
    where r.status = 'failed' and r.finished_at >= ${ts(lastHour.from)} and r.finished_at < ${ts(now)} and ${scopeFilter(lastHour, "e", "t.name")}
    order by r.finished_at desc limit 20`);
  const stuck = await db.execute(sql`
    select ${runColumns} ${runFrom}
    where r.status = 'running' and r.heartbeat_at < ${ts(new Date(now.getTime() - STALE_RUN_MS))} and ${scopeFilter(lastHour, "e", "t.name")}
    order by r.heartbeat_at limit 20`);
  const queue = await db.execute(sql`
    select count(*)::int as depth, min(r.queued_at) as oldest ${runFrom}
    where r.status = 'queued' and ${scopeFilter(lastHour, "e", "t.name")}`);
  const teams =
    scope.teamIds === null
      ? sql`true`
      : scope.teamIds.length === 0
        ? sql`false`
        : sql`q.team_id in (${sql.join(
            scope.teamIds.map((id) => sql`${id}::uuid`),
            sql`, `,
          )})`;
  const approvals = await db.execute(sql`
    select q.id, q.number, q.environment_name, q.tier, q.submitted_at, tm.slug as team_slug,
      extract(epoch from (${ts(now)} - q.submitted_at))::float8 as waiting_seconds
    from requests q join teams tm on tm.id = q.team_id
    where q.status = 'pending_approval' and ${teams} order by q.submitted_at limit 10`);
  const workers = await db.execute(sql`
    select worker_id, hostname, pid, concurrency, extract(epoch from (${ts(now)} - last_seen_at))::float8 as age_seconds, stopped_at
    from worker_heartbeats where stopped_at is null or stopped_at > ${ts(new Date(now.getTime() - HOUR))} order by last_seen_at desc limit 20`);
  const slos = await sloStatus(db, { now, teamIds: scope.teamIds });
  const oldest = queue.rows[0]?.oldest;
  return {
    now: now.toISOString(),
    failing: failing.rows.map(runRowOf),
    stuck: stuck.rows.map(runRowOf),
    staleAfterSeconds: STALE_RUN_MS / 1000,
    queue: {
      depth: Number(queue.rows[0]?.depth ?? 0),
      oldestAgeSeconds: oldest ? (now.getTime() - new Date(oldest as string).getTime()) / 1000 : null,
    },
    approvals: approvals.rows.map((r) => ({
      id: String(r.id),
      number: `REQ-${String(r.number)}`,
      environmentName: String(r.environment_name),
      tier: String(r.tier),
      teamSlug: String(r.team_slug),
      waitingSeconds: Number(r.waiting_seconds),
    })),
    burnAlerts: slos
      .filter((s) => s.burn.fast.firing || s.burn.slow.firing)
      .map((s) => ({ key: s.key, title: s.title, severity: s.burn.fast.firing ? "fast" : "slow", burn: s.burn })),
    workers: workers.rows.map((w) => ({
      workerId: String(w.worker_id),
      hostname: String(w.hostname),
      pid: Number(w.pid),
      concurrency: Number(w.concurrency),
      ageSeconds: Number(w.age_seconds),
      live: w.stopped_at === null && Number(w.age_seconds) < 30,
    })),
    errors: await errorsByCause(db, lastHour),
  };
}
