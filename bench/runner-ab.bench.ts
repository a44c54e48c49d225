/**
 * The runner of another checkout against this one, on one database and in alternating rounds, so
 * both see the same (busy) machine: `npx tsx bench/runner-ab.bench.ts <other checkout> [rounds]`.
 * Per round and checkout: its worker process (concurrency 20), approval → apply start for
 * sequential approvals on a quiet cloud, then a fleet of environments × 5 resources (50 ms per
 * cloud call) against its ideal (engine time / 20). Prints one line per measurement and medians.
 */
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { and, eq, inArray, sql } from "drizzle-orm";
import { runMigrations } from "graphile-worker";
import { connect, disconnectAll } from "~/db/client";
import { migrateDatabase } from "~/db/migrate";
import { environments, requests } from "~/db/schema";
import { seedDemoData } from "~/db/seed";
import { startEmbeddedPostgres } from "~/scripts/lib/embedded-pg";
import { findFreePort } from "~/scripts/lib/ports";
import { createSimEngine } from "~/server/engines/sim/engine";
import { syncTemplates } from "~/server/services/template-sync";
import { startWorkerProcess, waitUntilStarted } from "~/server/worker/test-support";
import { benchBastions, waitUntil } from "./lib/demo-bench";
import { fleetEngineTime } from "./lib/run-breakdown";
import { sqlList } from "./lib/sql-list";

const other = process.argv[2];
if (!other) throw new Error("usage: tsx bench/runner-ab.bench.ts <other checkout> [rounds]");
const rounds = Number(process.argv[3] ?? 3);
const LATENCY_N = 40;
const FLEET_N = 100;
const here = path.resolve(import.meta.dirname, "..");
const checkouts = { other: path.resolve(other), this: here };

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? NaN;
const quantile = (values: number[], q: number) =>
  [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor(q * values.length))] ?? NaN;

const dataDir = await mkdtemp(path.join(os.tmpdir(), "provisio-bench-ab-"));
const pg = await startEmbeddedPostgres({ dataDir, port: await findFreePort(), database: "provisio" });
try {
  await migrateDatabase(pg.url);
  await runMigrations({ connectionString: pg.url });
  const { db } = connect(pg.url, 30);
  await syncTemplates(db, path.join(here, "templates"));
  await seedDemoData(db, { demo: true });
  const sim = createSimEngine({ db });
  const { submit, approve } = await benchBastions(db, "Runner A/B benchmark environment");
  const ready = (ids: string[]) =>
    waitUntil(
      async () => (await db.$count(requests, and(inArray(requests.id, ids), inArray(requests.status, ["ready", "failed"])))) === ids.length,
      600_000,
      "environments ready",
    );

  const results: Record<string, { latency: number[]; fleet: number[] }> = { other: { latency: [], fleet: [] }, this: { latency: [], fleet: [] } };
  for (let round = 1; round <= rounds; round++) {
    for (const [label, root] of Object.entries(checkouts)) {
      const worker = startWorkerProcess({ databaseUrl: pg.url, root, env: { WORKER_CONCURRENCY: "20" } });
      try {
        await waitUntilStarted(db, worker);
        // Approval → the apply's first log line, sequential approvals, quiet cloud.
        await sim.cloud.configure({
          latency: { baseMs: 0, jitterMs: 0 },
          bootDelayMs: { instance: 0 },
          rateLimit: null,
          quotas: { "*": { vcpus: 1_000_000, instances: 1_000_000, gpus: 1_000 } },
        });
        const delays: number[] = [];
        for (let i = 0; i < LATENCY_N; i++) {
          const { id } = await submit(`ab-${label}-${round}-lat-${i}`);
          await approve(id);
          await ready([id]);
          const [first] = await db
            .execute(
              sql`select extract(epoch from (e.at - r.queued_at)) * 1000 as ms from run_events e join runs u on u.id = e.run_id join environments v on v.id = u.environment_id join requests r on r.id = v.request_id where r.id = ${id} order by e.id limit 1`,
            )
            .then((r) => r.rows as { ms: number }[]);
          if (first) delays.push(Number(first.ms));
        }
        // The fleet: approved at once, 50 ms per cloud call.
        await sim.cloud.configure({ latency: { baseMs: 50, jitterMs: 0 } });
        const pending: string[] = [];
        for (let i = 0; i < FLEET_N; i++) pending.push((await submit(`ab-${label}-${round}-fleet-${i}`)).id);
        const started = performance.now();
        await Promise.all(pending.map((id) => approve(id)));
        const approvedMs = performance.now() - started;
        await ready(pending);
        const totalMs = performance.now() - started;
        const ideal = (await fleetEngineTime(db, pending)).engineMs / 20;
        const failed = await db.$count(requests, and(inArray(requests.id, pending), eq(requests.status, "failed")));
        const ratio = totalMs / ideal;
        // Where it goes: the span of the runs themselves, and a run's own time against its engine time.
        const spans = await db.execute(
          sql`select extract(epoch from (max(u.finished_at) - min(u.started_at))) * 1000 as span, avg(extract(epoch from (u.finished_at - u.started_at)) * 1000) as run_ms from runs u join environments v on v.id = u.environment_id where v.request_id in (${sqlList(pending)}) and u.kind = 'apply'`,
        );
        const { span, run_ms: runMs } = spans.rows[0] as { span: string; run_ms: string };
        const enginePerRun = (ideal * 20) / FLEET_N;
        results[label]!.latency.push(...delays);
        results[label]!.fleet.push(ratio);
        console.log(
          `round ${round} ${label}: approval_to_apply_start median ${median(delays).toFixed(1)} ms p95 ${quantile(delays, 0.95).toFixed(1)} ms; fleet ${FLEET_N}×5 total ${totalMs.toFixed(0)} ms ideal ${ideal.toFixed(0)} ms = ${ratio.toFixed(2)}× (failed ${failed}); approvals ${approvedMs.toFixed(0)} ms; runs' span ${(Number(span) / ideal).toFixed(2)}× ideal; a run ${Number(runMs).toFixed(0)} ms vs engine ${enginePerRun.toFixed(0)} ms = ${(Number(runMs) / enginePerRun).toFixed(2)}×; load ${os.loadavg()[0]!.toFixed(1)}`,
        );
      } finally {
        await worker.stop();
      }
      // Leave nothing running for the next checkout's worker.
      await waitUntil(async () => (await db.$count(environments, eq(environments.status, "provisioning"))) === 0, 60_000, "idle");
    }
  }
  for (const [label, r] of Object.entries(results))
    console.log(
      `${label} (${checkouts[label as keyof typeof checkouts]}): approval_to_apply_start median ${median(r.latency).toFixed(1)} ms p95 ${quantile(r.latency, 0.95).toFixed(1)} ms (n=${r.latency.length}); fleet_total_vs_ideal median ${median(r.fleet).toFixed(2)}× (${r.fleet.map((f) => f.toFixed(2)).join(", ")})`,
    );
} finally {
  await disconnectAll();
  await pg.stop();
  await rm(dataDir, { recursive: true, force: true });
}
