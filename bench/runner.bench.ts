/**
 * Job runner benchmarks (`npm run bench`), against the real stack: embedded PostgreSQL, web
 * (production build) and a worker process with concurrency 20. Prints `name: value unit` lines.
 */
import { readFileSync } from "node:fs";
import { performance } from "node:perf_hooks";
import { and, eq, inArray, sql } from "drizzle-orm";
import { connect, disconnectAll, type Database } from "~/db/client";
import { environmentResources, environments, requests, runEvents, runs } from "~/db/schema";
import { startThrowawayStack } from "~/scripts/lib/throwaway-stack";
import { createSimEngine, type SimEngine } from "~/server/engines/sim/engine";
import { approvedAtOnce, benchBastions, settled, sleep, waitUntil } from "./lib/demo-bench";
import { fleetSlots } from "./lib/fleet-slots";
import { fleetEngineTime, runBreakdown } from "./lib/run-breakdown";
import { sqlList } from "./lib/sql-list";

const quantile = (values: number[], q: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;
};
const print = (name: string, value: number, unit: string) =>
  console.log(`${name}: ${Number.isInteger(value) ? value : value.toFixed(unit === "x" ? 2 : 1)} ${unit}`);

/** The database, the simulated cloud, and a bastion's submit and approval (bench/lib/demo-bench.ts). */
type Bench = { db: Database; sim: SimEngine } & Pick<Awaited<ReturnType<typeof benchBastions>>, "submit" | "approve">;

/** The machine's CPU time since `from` (all cores, /proc/stat), busy and in all. */
function machineCpu(from?: { busy: number; total: number }) {
  const fields = readFileSync("/proc/stat", "utf8").split("\n")[0]!.trim().split(/\s+/).slice(1).map(Number);
  const total = fields.reduce((a, b) => a + b, 0);
  const busy = total - (fields[3] ?? 0) - (fields[4] ?? 0);
  return { busy: busy - (from?.busy ?? 0), total: total - (from?.total ?? 0) };
}

/** One fleet of 200 at `latencyMs` per cloud call; its figures printed as `<name>_…`. */
async function fleet(bench: Bench, name: string, latencyMs: number) {
  const { db } = bench;
  await bench.sim.cloud.configure({ latency: { baseMs: latencyMs, jitterMs: 0 } });
  let started = 0;
  let cpu = machineCpu();
  const pending = await approvedAtOnce(bench, 200, name, () => {
    started = performance.now();
    cpu = machineCpu();
  });
  const approvedAll = performance.now() - started;
  await settled(db, pending, `${name} ready`);
  const totalMs = performance.now() - started;
  const used = machineCpu(cpu);
  const list = sqlList(pending);
  const { engineMs, resources: resourcesCreated } = await fleetEngineTime(db, pending);
  const ideal = engineMs / 20;
  const failed = await db.$count(requests, and(inArray(requests.id, pending), eq(requests.status, "failed")));
  print(`${name}_environments`, pending.length, "environments");
  print(`${name}_resources_created`, resourcesCreated, "resources");
  print(`${name}_failed`, failed, "environments");
  print(`${name}_total_ms`, totalMs, "ms");
  print(`${name}_ideal_ms`, ideal, "ms");
  // The engine's time per resource against the cloud's latency per call: beyond it is the simulated
  // cloud's own work (its statements, its quota lock), on the same two cores as everything else.
  print(`${name}_engine_ms_per_resource`, engineMs / Math.max(1, resourcesCreated), "ms");
  print(`${name}_total_vs_ideal`, totalMs / ideal, "x");
  // How busy the machine was meanwhile (every process: PostgreSQL, worker, web, these approvals and the
  // simulated cloud, which shares them): near 100 %, the runs wait for a core, not for the runner.
  print(`${name}_machine_cpu_busy_percent`, (100 * used.busy) / used.total, "%");
  // The CPU time the machine spent meanwhile, spread evenly over its cores, against the ideal: no
  // schedule of the same work finishes sooner, so above 1.00 the machine, not the runner, sets the pace.
  print(`${name}_cpu_floor_vs_ideal`, ((used.busy / used.total) * totalMs) / ideal, "x");
  // How the total splits: recording 200 approvals (each its own transaction) vs. the worker's applies.
  const span = await db.execute(
    sql`select extract(epoch from (max(u.finished_at) - min(u.started_at))) * 1000 as ms from runs u join environments v on v.id = u.environment_id where v.request_id in (${list})`,
  );
  const applySpan = Number((span.rows[0] as { ms: string }).ms);
  print(`${name}_approve_all_ms`, approvedAll, "ms");
  print(`${name}_first_apply_to_last_ready_ms`, applySpan, "ms");
  print(`${name}_apply_span_vs_ideal`, applySpan / ideal, "x");

  // Where the total goes beyond the runs: the runs' own time, and the slots left idle in the ramp
  // (approvals still arriving), between runs (a slot's turnover) and in the tail (runs finishing
  // unevenly), each as a share of the ideal: they add up to about <name>_apply_span_vs_ideal.
  const slots = await fleetSlots(db, pending, 20);
  const share = (ms: number) => ms / 20 / ideal;
  print(`${name}_runs_busy_vs_ideal`, share(slots.busyMs), "x");
  print(`${name}_idle_slots_ramp_vs_ideal`, share(slots.rampMs), "x");
  print(`${name}_idle_slots_between_vs_ideal`, share(slots.betweenMs), "x");
  print(`${name}_idle_slots_tail_vs_ideal`, share(slots.tailMs), "x");

  // Where a run's time goes, per environment (ms): waiting for a worker slot, before the first
  // resource, between resources beyond the engine's own time (our bookkeeping), after the last.
  const b = await runBreakdown(db, pending);
  print(`${name}_run_queue_wait_ms_mean`, b.queueWaitMs, "ms");
  print(`${name}_run_before_first_resource_ms_mean`, b.beforeFirstResourceMs, "ms");
  print(`${name}_run_engine_ms_mean`, b.engineMs, "ms");
  print(`${name}_run_bookkeeping_between_resources_ms_mean`, b.betweenResourcesMs, "ms");
  print(`${name}_run_after_last_resource_ms_mean`, b.afterLastResourceMs, "ms");
}

const stack = await startThrowawayStack({ prefix: "provisio-bench-runner-", env: { WORKER_CONCURRENCY: "20" } });

try {
  const { db } = connect(stack.databaseUrl, 30);
  const sim = createSimEngine({ db });
  // Submits and approvals on a pool the size of the web server's (server/db.ts: 10 connections), where
  // they come from in the product: 200 approvals at once take turns on it as they would there.
  const url = new URL(stack.databaseUrl);
  url.searchParams.set("application_name", "bench-approvals");
  const { team, submit, approve } = await benchBastions(connect(url.toString(), 10).db, "Runner benchmark environment");

  // 1. Approval to apply start: 200 approvals, one at a time, on a quiet cloud.
  await sim.cloud.configure({
    latency: { baseMs: 0, jitterMs: 0 },
    bootDelayMs: { instance: 0 },
    rateLimit: null,
    quotas: { "*": { vcpus: 1_000_000, instances: 1_000_000, gpus: 1_000 } },
  });
  const delays: number[] = [];
  const toOpen: number[] = [];
  const fromCall: number[] = [];
  const fromReturn: number[] = [];
  const openToStart: number[] = [];
  for (let i = 0; i < 200; i++) {
    const { id } = await submit(`lat-${i}`);
    const approvedAt = performance.now();
    const approveCalled = Date.now();
    await approve(id);
    const approveReturned = Date.now();
    await waitUntil(
      async () =>
        (await db.$count(
          runEvents,
          and(
            inArray(
              runEvents.runId,
              db
                .select({ id: runs.id })
                .from(runs)
                .innerJoin(environments, eq(environments.id, runs.environmentId))
                .where(eq(environments.requestId, id)),
            ),
            sql`${runEvents.message} like 'Apply started%'`,
          ),
        )) > 0,
      10_000,
      "apply start",
    ).catch(() => undefined);
    // Wall clock to the moment the apply's first line exists, as seen from here (polling every 20 ms adds up to 20 ms).
    const [first] = await db
      .execute(
        sql`select extract(epoch from (e.at - r.queued_at)) * 1000 as ms from run_events e join runs u on u.id = e.run_id join environments v on v.id = u.environment_id join requests r on r.id = v.request_id where r.id = ${id} order by e.id limit 1`,
      )
      .then((r) => r.rows as { ms: number }[]);
    delays.push(first ? Number(first.ms) : performance.now() - approvedAt);
    // Where it goes: approval commit → the worker has the job and opened the run (queue handover),
    // then → the apply's first line (the run's loads).
    const [split] = await db
      .execute(
        sql`select extract(epoch from (u.started_at - r.queued_at)) * 1000 as handover, extract(epoch from ((select min(e.at) from run_events e where e.run_id = u.id) - u.started_at)) * 1000 as load from runs u join environments v on v.id = u.environment_id join requests r on r.id = v.request_id where r.id = ${id} and u.kind = 'apply'`,
      )
      .then((r) => r.rows as { handover: number; load: number }[]);
    // Wall clock (same machine clock as the worker's log stamps): from the approval call, and from its return (≈ commit).
    const [firstAt] = await db
      .execute(
        sql`select extract(epoch from min(e.at)) * 1000 as at from run_events e join runs u on u.id = e.run_id join environments v on v.id = u.environment_id where v.request_id = ${id}`,
      )
      .then((r) => r.rows as { at: number }[]);
    if (firstAt) {
      fromCall.push(Number(firstAt.at) - approveCalled);
      fromReturn.push(Number(firstAt.at) - approveReturned);
    }
    if (split) {
      toOpen.push(Number(split.handover));
      openToStart.push(Number(split.load));
    }
  }
  print("approval_to_apply_start_ms_median", quantile(delays, 0.5), "ms");
  print("approval_to_apply_start_ms_p95", quantile(delays, 0.95), "ms");
  print("approval_to_apply_start_ms_p99", quantile(delays, 0.99), "ms");
  print("approve_call_to_apply_start_ms_median", quantile(fromCall, 0.5), "ms");
  print("approve_call_to_apply_start_ms_p95", quantile(fromCall, 0.95), "ms");
  print("approve_return_to_apply_start_ms_median", quantile(fromReturn, 0.5), "ms");
  print("approve_return_to_apply_start_ms_p95", quantile(fromReturn, 0.95), "ms");
  print("approval_to_run_opened_ms_median", quantile(toOpen, 0.5), "ms");
  print("approval_to_run_opened_ms_p95", quantile(toOpen, 0.95), "ms");
  print("run_opened_to_apply_start_ms_median", quantile(openToStart, 0.5), "ms");
  print("run_opened_to_apply_start_ms_p95", quantile(openToStart, 0.95), "ms");
  await waitUntil(async () => (await db.$count(environments, eq(environments.status, "provisioning"))) === 0, 60_000, "latency environments ready");

  // 2. Run event to browser: a signed-in HTTP stream of a run's log, events written one at a time.
  const base = stack.url;
  const csrfResponse = await fetch(`${base}/api/auth/csrf`);
  const { csrfToken } = (await csrfResponse.json()) as { csrfToken: string };
  const cookies = csrfResponse.headers
    .getSetCookie()
    .map((c) => c.split(";")[0])
    .join("; ");
  const signIn = await fetch(`${base}/api/auth/callback/demo`, {
    method: "POST",
    redirect: "manual",
    headers: { "content-type": "application/x-www-form-urlencoded", cookie: cookies },
    body: new URLSearchParams({ csrfToken, email: "dev@provisio.local", json: "true" }),
  });
  const session = [cookies, ...signIn.headers.getSetCookie().map((c) => c.split(";")[0])].join("; ");
  const [someEnvironment] = await db.select().from(environments).where(eq(environments.teamId, team.id)).limit(1);
  const [streamRun] = await db
    .insert(runs)
    .values({ environmentId: someEnvironment!.id, kind: "drift", status: "running", startedAt: new Date() })
    .returning();
  const response = await fetch(`${base}/api/runs/${streamRun!.id}/events`, { headers: { cookie: session, accept: "text/event-stream" } });
  if (response.status !== 200 || !response.body) throw new Error(`stream answered ${response.status}`);
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  const arrived = new Map<string, number>();
  let buffer = "";
  const reading = (async () => {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buffer += decoder.decode(value, { stream: true });
      for (const match of buffer.matchAll(/"message":"bench (\d+)"/g)) if (!arrived.has(match[1]!)) arrived.set(match[1]!, performance.now());
      buffer = buffer.slice(-200);
    }
  })();
  await sleep(300);
  const toBrowser: number[] = [];
  for (let i = 0; i < 200; i++) {
    const written = performance.now();
    await db.insert(runEvents).values({ runId: streamRun!.id, level: "info", message: `bench ${i}` });
    const committed = performance.now();
    await waitUntil(async () => arrived.has(String(i)), 5_000, "event in stream");
    toBrowser.push(arrived.get(String(i))! - committed + (committed - written) / 2);
    await sleep(5);
  }
  await db.update(runs).set({ status: "succeeded", finishedAt: new Date() }).where(eq(runs.id, streamRun!.id));
  await db.insert(runEvents).values({ runId: streamRun!.id, level: "info", message: "end" });
  await reading.catch(() => undefined);
  print("run_event_to_browser_ms_median", quantile(toBrowser, 0.5), "ms");
  print("run_event_to_browser_ms_p95", quantile(toBrowser, 0.95), "ms");

  // 3. Fleets: 200 environments of 5 resources, approved at once, worker concurrency 20. At 50 ms per
  // cloud call (`fleet_*`, the stress case: this box's CPU is the limit, see fleet_machine_cpu_busy_percent)
  // and at 250 ms, a quick real cloud API's pace (`fleet_250ms_*`).
  // Warm-up, not measured: 40 environments approved at once, so every pooled connection (the worker's
  // and the approvals') has served these statements before, as in a portal that has been running.
  // A fresh connection's first statements cost PostgreSQL tens of ms each (catalog caches, trigger
  // functions compiled): `bench/runner-probe.ts 200` without --warm-up shows a fleet on cold connections.
  await sim.cloud.configure({ latency: { baseMs: 50, jitterMs: 0 } });
  const bench: Bench = { db, sim, submit, approve };
  await settled(db, await approvedAtOnce(bench, 40, "warm-up"), "warm-up fleet ready");
  await fleet(bench, "fleet", 50);
  await fleet(bench, "fleet_250ms", 250);

  // Duplicates and orphans: the simulator's inventory against the portal's records.
  const dupes = await db.execute(
    sql`select count(*) as n from (select idempotency_key from sim_resources where deleted_at is null and parent_id is null and idempotency_key is not null group by idempotency_key having count(*) > 1) d`,
  );
  const orphans = await db.execute(
    sql`select count(*) as n from sim_resources s where s.deleted_at is null and s.parent_id is null and s.tags->>'managed-by' = 'provisio' and not exists (select 1 from ${environmentResources} r where r.provider_id = s.id and r.status = 'ready')`,
  );
  const untracked = await db.execute(
    sql`select count(*) as n from ${environmentResources} r where r.status = 'ready' and not exists (select 1 from sim_resources s where s.id = r.provider_id and s.deleted_at is null) and r.type not in ('role', 'database')`,
  );
  print("fleet_duplicates", Number((dupes.rows[0] as { n: string }).n), "resources");
  print("fleet_orphans", Number((orphans.rows[0] as { n: string }).n), "resources");
  print("fleet_records_missing_in_cloud", Number((untracked.rows[0] as { n: string }).n), "resources");
} finally {
  await disconnectAll();
  await stack.dispose();
}
