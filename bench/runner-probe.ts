/**
 * Where the fleet's time goes, measured from inside PostgreSQL while it runs (a diagnostic, not a
 * target): `npx tsx bench/runner-probe.ts [environments] [--sync-off] [--latency-ms N] [--settings name=value,...]`.
 * One worker (concurrency 20) of this checkout, the fleet of runner.bench.ts (× 5 resources,
 * 50 ms per cloud call, or --latency-ms), and meanwhile: pg_stat_activity sampled every few ms (what the worker's
 * connections wait on), pg_stat_statements (what the statements cost), the worker's CPU time and
 * per-resource bookkeeping latency from the runs' own log stamps.
 */
import { readdirSync, readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { performance } from "node:perf_hooks";
import { sql } from "drizzle-orm";
import { runMigrations } from "graphile-worker";
import pg from "pg";
import { connect, disconnectAll } from "~/db/client";
import { migrateDatabase } from "~/db/migrate";
import { seedDemoData } from "~/db/seed";
import { startEmbeddedPostgres } from "~/scripts/lib/embedded-pg";
import { findFreePort } from "~/scripts/lib/ports";
import { createSimEngine } from "~/server/engines/sim/engine";
import { syncTemplates } from "~/server/services/template-sync";
import { startWorkerProcess, waitUntilStarted } from "~/server/worker/test-support";
import { approvedAtOnce, benchBastions, settled } from "./lib/demo-bench";
import { fleetSlots } from "./lib/fleet-slots";
import { fleetEngineTime, runBreakdown } from "./lib/run-breakdown";
import { sqlList } from "./lib/sql-list";

const args = process.argv.slice(2);
// The first number that is not a flag's value.
const valued = new Set(["--latency-ms", "--profile", "--settings", "--warm-up", "--approval-pool"]);
const N = Number(args.find((a, i) => /^\d+$/.test(a) && !valued.has(args[i - 1] ?? "")) ?? 200);
const syncOff = args.includes("--sync-off");
// The simulated cloud's latency per call: how the fleet's ratio depends on how much of a run is waiting rather than CPU.
const latencyMs = args.includes("--latency-ms") ? Number(args[args.indexOf("--latency-ms") + 1]) : 50;
if (!Number.isInteger(latencyMs) || latencyMs < 0) throw new Error("--latency-ms: a whole number of milliseconds, 0 or more");
// `--profile DIR`: the worker's CPU profile of the fleet alone, DIR/<pid>.cpuprofile (summary: bench/lib/profile-summary.ts).
const profileDir = args.includes("--profile") ? path.resolve(args[args.indexOf("--profile") + 1] ?? ".") : null;
const extra = Object.fromEntries(
  (args[args.indexOf("--settings") + 1] && args.includes("--settings") ? args[args.indexOf("--settings") + 1]!.split(",") : []).map(
    (kv) => kv.split("=") as [string, string],
  ),
);
const here = path.resolve(import.meta.dirname, "..");
const root = process.env.PROBE_ROOT ? path.resolve(process.env.PROBE_ROOT) : here;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const quantile = (values: number[], q: number) =>
  [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor(q * values.length))] ?? NaN;
const cpuMs = (pid: number) => {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
};
/** Each PostgreSQL process's CPU time by its client (application_name, or its backend type). */
async function backendCpu(client: pg.Client): Promise<Map<number, { app: string; ms: number }>> {
  const { rows } = await client.query(`select pid, coalesce(nullif(application_name, ''), backend_type) as app from pg_stat_activity`);
  const cpu = new Map<number, { app: string; ms: number }>();
  for (const row of rows as { pid: number; app: string }[]) {
    try {
      cpu.set(row.pid, { app: row.app, ms: cpuMs(row.pid) });
    } catch {
      // ended meanwhile
    }
  }
  return cpu;
}

/** CPU time of a process and its children still alive (PostgreSQL's backends). */
const treeCpuMs = (pid: number) => {
  let total = 0;
  for (const entry of readdirSync("/proc").filter((e) => /^\d+$/.test(e))) {
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      if (Number(entry) === pid || ppid === pid) total += cpuMs(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return total;
};

const dataDir = await mkdtemp(path.join(os.tmpdir(), "provisio-probe-"));
const pgServer = await startEmbeddedPostgres({
  dataDir,
  port: await findFreePort(),
  database: "provisio",
  settings: {
    track_commit_timestamp: "on",
    shared_preload_libraries: "pg_stat_statements",
    "pg_stat_statements.track": "all",
    track_io_timing: "on",
    ...extra,
  },
});
try {
  await migrateDatabase(pgServer.url);
  await runMigrations({ connectionString: pgServer.url });
  // `--approval-pool N`: the connections the approvals (and this probe's reads) share; 30 by default, the web server's pool is 10.
  const approvalPool = args.includes("--approval-pool") ? Number(args[args.indexOf("--approval-pool") + 1]) : 30;
  const { db } = connect(`${pgServer.url}?application_name=probe-approvals`, approvalPool);
  await db.execute(sql`create extension if not exists pg_stat_statements`);
  // Experiment: the run log's per-line NOTIFY off (live log streams then miss lines).
  if (args.includes("--no-log-notify")) await db.execute(sql`alter table run_events disable trigger run_events_notify`);
  if (args.includes("--no-notify")) {
    await db.execute(sql`alter table run_events disable trigger run_events_notify`);
    for (const t of ["requests", "environments", "runs", "approvals", "notifications"])
      await db.execute(sql.raw(`alter table ${t} disable trigger ${t}_change_notify`));
  }
  if (syncOff) {
    await db.execute(sql`alter system set synchronous_commit = off`);
    await db.execute(sql`select pg_reload_conf()`);
  }
  console.log(
    `settings: ${JSON.stringify((await db.execute(sql`select name, setting from pg_settings where name in ('synchronous_commit','commit_delay','commit_siblings','wal_sync_method','fsync','shared_buffers','wal_buffers')`)).rows)}`,
  );
  await syncTemplates(db, path.join(here, "templates"));
  await seedDemoData(db, { demo: true });
  const sim = createSimEngine({ db });
  const bastions = await benchBastions(db, "Runner probe environment");
  await sim.cloud.configure({
    latency: { baseMs: latencyMs, jitterMs: 0 },
    bootDelayMs: { instance: 0 },
    rateLimit: null,
    quotas: { "*": { vcpus: 1_000_000, instances: 1_000_000, gpus: 1_000 } },
  });
  const workerUrl = `${pgServer.url}?application_name=probe-worker`;
  const worker = startWorkerProcess({
    databaseUrl: workerUrl,
    root,
    env: {
      WORKER_CONCURRENCY: "20",
      ...(profileDir
        ? { NODE_OPTIONS: `--import ${pathToFileURL(path.join(here, "bench/lib/cpu-profile.mjs")).href}`, PROVISIO_BENCH_CPU_PROFILE_DIR: profileDir }
        : {}),
    },
  });
  try {
    await waitUntilStarted(db, worker);
    // `--warm-up K`: K environments approved at once and provisioned before the measured fleet, so every
    // connection of both pools has served the statements once (a long-running portal's, not a fresh one's).
    const warmUp = args.includes("--warm-up") ? Number(args[args.indexOf("--warm-up") + 1]) : 0;
    if (warmUp > 0) await settled(db, await approvedAtOnce(bastions, warmUp, "warm-up"), "warm-up fleet ready");
    // Submitted now, approved at once once the instruments run (below).
    const pending: string[] = [];
    for (let i = 0; i < N; i++) pending.push((await bastions.submit(`probe-${i}`)).id);
    await db.execute(sql`select pg_stat_statements_reset()`);
    await db.execute(sql`select pg_stat_reset_shared('wal')`);
    const sampler = new pg.Client({ connectionString: `${pgServer.url}?application_name=probe-sampler` });
    await sampler.connect();
    const waits = new Map<string, number>();
    let samples = 0;
    const blockers = new Map<string, number>();
    let sampling = true;
    // Which phase a sample was taken in: while the approvals are being recorded, or after.
    let phase = "approving";
    const sampling$ = (async () => {
      while (sampling) {
        const { rows } = await sampler.query<{ k: string; n: string }>(
          `select replace(application_name, 'probe-', '') || ' ' || coalesce(state, '?') || ' ' || coalesce(wait_event_type || ':' || wait_event, 'cpu/net') as k, count(*) as n
           from pg_stat_activity where application_name in ('probe-worker', 'probe-approvals') group by 1`,
        );
        samples++;
        // Who waits on a lock, and on whom: the waiting statement and the blocker's last statement.
        const blocked = await sampler.query<{ k: string; n: string }>(
          `select replace(w.application_name, 'probe-', '') || ' ' || left(regexp_replace(w.query, '\\s+', ' ', 'g'), 70) || '  <=  ' || left(regexp_replace(b.query, '\\s+', ' ', 'g'), 70) || ' [' || b.state || ']' as k, count(*) as n
           from pg_stat_activity w cross join lateral unnest(pg_blocking_pids(w.pid)) as bp(pid) join pg_stat_activity b on b.pid = bp.pid
           where w.application_name in ('probe-worker', 'probe-approvals') and w.wait_event_type in ('Lock', 'LWLock') group by 1`,
        );
        for (const r of blocked.rows) blockers.set(`${phase} ${r.k}`, (blockers.get(`${phase} ${r.k}`) ?? 0) + Number(r.n));
        for (const r of rows) waits.set(`${phase} ${r.k}`, (waits.get(`${phase} ${r.k}`) ?? 0) + Number(r.n));
        await sleep(3);
      }
    })();
    const open = await sampler.query(`select count(*)::int as n from pg_stat_activity where application_name = 'probe-approvals'`);
    const cpu0 = { worker: cpuMs(worker.pid), pg: treeCpuMs(pgServer.pid), backends: await backendCpu(sampler), self: process.cpuUsage() };
    // The profile so far (the start) is written and dropped: the next one covers the fleet alone.
    if (profileDir) process.kill(worker.pid, "SIGUSR2");
    const started = performance.now();
    const startedWall = Date.now();
    console.log(`approving the fleet (${N})… (approval connections open: ${(open.rows[0] as { n: number }).n})`);
    await Promise.all(pending.map((id) => bastions.approve(id)));
    const approvedMs = performance.now() - started;
    phase = "after";
    await settled(db, pending, "fleet ready");
    const totalMs = performance.now() - started;
    if (profileDir) process.kill(worker.pid, "SIGUSR2");
    sampling = false;
    await sampling$;
    const cpu1 = { worker: cpuMs(worker.pid), pg: treeCpuMs(pgServer.pid), backends: await backendCpu(sampler), self: process.cpuUsage(cpu0.self) };
    await sampler.end();
    const list = sqlList(pending);
    const ideal = (await fleetEngineTime(db, pending)).engineMs / 20;
    console.log(
      `fleet ${N}×5: total ${totalMs.toFixed(0)} ms, ideal ${ideal.toFixed(0)} ms = ${(totalMs / ideal).toFixed(2)}×; approvals ${approvedMs.toFixed(0)} ms; load ${os.loadavg()[0]!.toFixed(1)}`,
    );
    console.log(
      `cpu during the fleet: worker ${(cpu1.worker - cpu0.worker).toFixed(0)} ms, postgres (live backends) ${(cpu1.pg - cpu0.pg).toFixed(0)} ms, this process (the approvals) ${((cpu1.self.user + cpu1.self.system) / 1000).toFixed(0)} ms`,
    );
    // PostgreSQL's share by who it served: the worker's connections, this process's (the approvals), the rest (background processes, the sampler).
    const served = new Map<string, number>();
    for (const [pid, { app, ms }] of cpu1.backends) served.set(app, (served.get(app) ?? 0) + ms - (cpu0.backends.get(pid)?.ms ?? 0));
    console.log(
      `postgres cpu by client: ${[...served]
        .sort((a, b) => b[1] - a[1])
        .map(([app, ms]) => `${app} ${ms.toFixed(0)} ms`)
        .join(", ")}`,
    );
    // Bookkeeping per resource: the "Creating" line is stamped before the statement, the engine starts when it returns.
    const gaps = await db.execute(sql`
      with fleet as (select u.id from runs u join environments v on v.id = u.environment_id where v.request_id in (${list}) and u.kind = 'apply'),
      created as (select e.run_id, e.address, e.at - make_interval(secs => (e.data->>'durationMs')::int / 1000.0) as engine_start from run_events e join fleet f on f.id = e.run_id where e.data ? 'durationMs'),
      creating as (select e.run_id, e.address, e.at from run_events e join fleet f on f.id = e.run_id where e.message like 'Creating %')
      select extract(epoch from (c.engine_start - g.at)) * 1000 as ms from created c join creating g using (run_id, address)`);
    const gapMs = (gaps.rows as { ms: string }[]).map((r) => Number(r.ms));
    console.log(
      `bookkeeping statement before each engine call (n=${gapMs.length}): median ${quantile(gapMs, 0.5).toFixed(1)} ms, p90 ${quantile(gapMs, 0.9).toFixed(1)}, p99 ${quantile(gapMs, 0.99).toFixed(1)}, mean ${(gapMs.reduce((a, b) => a + b, 0) / gapMs.length).toFixed(1)}`,
    );
    const b = await runBreakdown(db, pending);
    console.log(
      `per run (mean ms): queue wait ${b.queueWaitMs.toFixed(1)}, before first resource ${b.beforeFirstResourceMs.toFixed(1)} (the open → "Apply started" ${b.toApplyStartedMs.toFixed(1)}), engine ${b.engineMs.toFixed(1)}, between resources ${b.betweenResourcesMs.toFixed(1)}, after last ${b.afterLastResourceMs.toFixed(1)}`,
    );
    // The outcome's transaction: from its start (finished_at = now()) to its commit (the runs row's commit timestamp).
    const outcome = await db.execute(sql`
      select extract(epoch from (pg_xact_commit_timestamp(u.xmin) - u.finished_at)) * 1000 as ms, extract(epoch from (pg_xact_commit_timestamp(u.xmin) - u.started_at)) * 1000 as run_ms
      from runs u join environments v on v.id = u.environment_id where v.request_id in (${list}) and u.kind = 'apply'`);
    const outcomeMs = (outcome.rows as { ms: string }[]).map((r) => Number(r.ms));
    const runMs = (outcome.rows as { run_ms: string }[]).map((r) => Number(r.run_ms));
    console.log(
      `outcome transaction (start → commit): median ${quantile(outcomeMs, 0.5).toFixed(1)} ms, p90 ${quantile(outcomeMs, 0.9).toFixed(1)}, mean ${(outcomeMs.reduce((a, b) => a + b, 0) / outcomeMs.length).toFixed(1)}; runs' busy time / 20 = ${(runMs.reduce((a, b) => a + b, 0) / 20 / ideal).toFixed(2)}× ideal`,
    );
    // Slots over time (10 ms steps): running runs, and slots left idle while approved work waited
    // (its request queued, its run not started: graphile-worker's handover and the slot's turnover).
    const sl = await fleetSlots(db, pending, 20, "commit");
    const share = (ms: number) => `${((100 * ms) / 20 / ideal).toFixed(1)} %`;
    console.log(
      `slots (from the first approval to the last commit): mean running ${sl.running.toFixed(1)} of 20; idle while approved work waited ${sl.idleWithWork.toFixed(2)} slots on average`,
    );
    console.log(
      `idle slot time (slot-ms, and as a share of the ideal × 20): ramp ${sl.rampMs.toFixed(0)} (${share(sl.rampMs)}), between ${sl.betweenMs.toFixed(0)} (${share(sl.betweenMs)}), tail ${sl.tailMs.toFixed(0)} (${share(sl.tailMs)})`,
    );
    const timeline = await db.execute(sql`
      with fleet as (select (select pg_xact_commit_timestamp(a.xmin) from approvals a where a.request_id = r.id) as committed, u.started_at from runs u join environments v on v.id = u.environment_id join requests r on r.id = v.request_id where r.id in (${list}) and u.kind = 'apply'),
      q as (select committed as at, row_number() over (order by committed) as n from fleet), s as (select started_at as at, row_number() over (order by started_at) as n from fleet)
      select q.n, extract(epoch from q.at - ${new Date(startedWall).toISOString()}::timestamptz) * 1000 as queued_ms, extract(epoch from s.at - ${new Date(startedWall).toISOString()}::timestamptz) * 1000 as started_ms
      from q join s using (n) where q.n in (1, 5, 10, 20, 40, 100, 200) order by q.n`);
    // The first slots' worth of runs (the ramp): approval commit → run opened → "Apply started" → first engine call.
    const ramp = await db.execute(sql`
      with fleet as (select (select pg_xact_commit_timestamp(a.xmin) from approvals a where a.request_id = r.id) as committed, u.id, u.started_at from runs u join environments v on v.id = u.environment_id join requests r on r.id = v.request_id where r.id in (${list}) and u.kind = 'apply' order by u.started_at limit 20),
      ev as (select e.run_id, min(e.at) filter (where e.message like 'Apply started%') as apply_started, min(e.at - make_interval(secs => (e.data->>'durationMs')::int / 1000.0)) filter (where e.data ? 'durationMs') as engine_start from run_events e join fleet f on f.id = e.run_id group by e.run_id)
      select extract(epoch from f.started_at - f.committed) * 1000 as handover, extract(epoch from ev.apply_started - f.started_at) * 1000 as load, extract(epoch from ev.engine_start - ev.apply_started) * 1000 as first_call
      from fleet f join ev on ev.run_id = f.id`);
    const rampRows = ramp.rows as { handover: string; load: string; first_call: string }[];
    const median = (k: keyof (typeof rampRows)[number]) =>
      quantile(
        rampRows.map((r) => Number(r[k])),
        0.5,
      ).toFixed(1);
    console.log(
      `the first 20 runs (medians): approval commit → run opened ${median("handover")} ms, → "Apply started" ${median("load")} ms, → first engine call ${median("first_call")} ms`,
    );
    console.log(
      `approvals committed / runs started, ms after the approvals began: ${(timeline.rows as { n: string; queued_ms: string; started_ms: string }[]).map((r) => `#${r.n} ${Number(r.queued_ms).toFixed(0)}/${Number(r.started_ms).toFixed(0)}`).join(", ")}`,
    );
    console.log(`\npg_stat_activity of the worker's connections (${samples} samples; mean connections in each state):`);
    for (const [k, n] of [...waits].sort((a, b) => b[1] - a[1]).slice(0, 20)) console.log(`  ${(n / samples).toFixed(2).padStart(6)}  ${k}`);
    console.log(`\nlock waits (mean waiting connections): waiting statement  <=  blocker's last statement [its state]`);
    for (const [k, n] of [...blockers].sort((a, b) => b[1] - a[1]).slice(0, 12)) console.log(`  ${(n / samples).toFixed(2).padStart(6)}  ${k}`);
    const wal = await db.execute(sql`select * from pg_stat_wal`);
    console.log(`\npg_stat_wal: ${JSON.stringify(wal.rows[0])}`);
    // Who sends the statements (top level, every client but this probe's sampler): the simulated cloud
    // (its tables and locks), graphile-worker's queue, or the portal itself (approvals and runs).
    const bySender = await db.execute(sql`
      select case when query ~* '(sim_|pg_advisory)' then 'simulated cloud' when query ~* 'graphile_worker' then 'queue'
        when query ~* 'pg_stat|pg_locks|pg_blocking' then null when query ~* '^(begin|commit|rollback)' then 'begin/commit' else 'portal' end as sender,
        sum(calls)::bigint as calls, round(sum(total_exec_time)::numeric, 0) as ms
      from pg_stat_statements where toplevel group by 1 having sum(calls) > 0 order by 2 desc`);
    console.log(
      `\nstatements by sender (top level): ${(bySender.rows as { sender: string | null; calls: string; ms: string }[])
        .filter((r) => r.sender)
        .map((r) => `${r.sender} ${r.calls} (${r.ms} ms)`)
        .join(", ")}`,
    );
    const top = await db.execute(sql`
      select calls, round(total_exec_time::numeric, 0) as total_ms, round(mean_exec_time::numeric, 2) as mean_ms, round(max_exec_time::numeric, 1) as max_ms, rows,
        round(shared_blk_read_time::numeric + shared_blk_write_time::numeric, 0) as io_ms, left(regexp_replace(query, '\\s+', ' ', 'g'), 160) as query
      from pg_stat_statements where userid = (select usesysid from pg_user where usename = current_user) order by ${sql.raw(process.env.PROBE_ORDER ?? "total_exec_time")} desc limit ${sql.raw(process.env.PROBE_TOP ?? "25")}`);
    console.log(`\npg_stat_statements, by total time:`);
    for (const r of top.rows as Record<string, string>[])
      console.log(
        `  ${String(r.calls).padStart(6)} calls ${String(r.total_ms).padStart(7)} ms total ${String(r.mean_ms).padStart(7)} mean ${String(r.max_ms).padStart(7)} max  ${r.query}`,
      );
  } finally {
    await worker.stop();
  }
} finally {
  await disconnectAll();
  await pgServer.stop();
  await rm(dataDir, { recursive: true, force: true });
}
