/**
 * Fleet rollout benchmark (issue 14, `npm run bench`): 200 sim environments of a small template
 * (3 resources) on the real stack (embedded PostgreSQL, production web, a worker with concurrency
 * 20), rolled from 1.0.0 to 1.0.1 (a new tag: every resource updated in place) with a canary of
 * 10 and batches of 50, the cloud answering each call in 20 ms. Prints `name: value unit` lines.
 *
 * The ideal: batches run one after another (each waits for the previous one's verdict), so the
 * ideal total is the sum over batches of what the batch cannot go below with 20 worker slots:
 * max(its slowest update run, the sum of its runs' durations / 20). What it leaves out (and the
 * rollout pays): starting a batch (one update request per environment), queue pick-up, the
 * progression job noticing a batch is done (woken by each finishing run), the verdict.
 * "% of ideal" = ideal / measured × 100 (100 % = no overhead at all).
 */
import { randomUUID } from "node:crypto";
import { performance } from "node:perf_hooks";
import { and, eq, inArray, sql } from "drizzle-orm";
import { connect, disconnectAll } from "~/db/client";
import { environments, fleetRolloutTargets, fleetRollouts, requests, runs, teams, users } from "~/db/schema";
import { startThrowawayStack } from "~/scripts/lib/throwaway-stack";
import { createSimEngine } from "~/server/engines/sim/engine";
import { startRollout } from "~/server/services/fleet-rollout";
import { submitRequest } from "~/server/services/requests";
import { createDraft, publishDraft } from "~/server/services/template-curation";
import { actorOf, loadViewer } from "~/server/services/users";
import { rolloutTemplateYaml } from "~/testing/rollout-template";

const ENVIRONMENTS = 200;
const CONCURRENCY = 20;
const print = (name: string, value: number, unit: string) => console.log(`${name}: ${Number.isInteger(value) ? value : value.toFixed(1)} ${unit}`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitUntil(check: () => Promise<boolean>, timeoutMs: number, what: string) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out: ${what}`);
    await sleep(50);
  }
}

const stack = await startThrowawayStack({ prefix: "provisio-bench-rollout-", env: { WORKER_CONCURRENCY: String(CONCURRENCY) } });

try {
  const { db } = connect(stack.databaseUrl, 30);
  const sim = createSimEngine({ db });
  const [team] = await db.select().from(teams).where(eq(teams.slug, "data-science"));
  const [developerRow] = await db.select().from(users).where(eq(users.email, "dev@provisio.local"));
  const [adminRow] = await db.select().from(users).where(eq(users.email, "admin@provisio.local"));
  if (!team || !developerRow || !adminRow) throw new Error("demo data missing");
  const developer = (await loadViewer(db, developerRow.id))!;
  const admin = (await loadViewer(db, adminRow.id))!;
  await db.update(teams).set({ monthlyBudgetCents: 100_000_000, quotaVcpus: null, quotaInstances: null }).where(eq(teams.id, team.id));
  const name = `rollout-bench-${randomUUID().slice(0, 6)}`;
  const publish = async (version: string) => {
    const draft = await createDraft(db, actorOf(admin), rolloutTemplateYaml(name, version));
    await publishDraft(db, actorOf(admin), { versionId: draft.versionId, expectedLockVersion: draft.lockVersion });
  };

  // The fleet, made on a quiet cloud (not measured).
  await sim.cloud.configure({ latency: { baseMs: 0, jitterMs: 0 }, bootDelayMs: { instance: 0 }, rateLimit: null });
  await publish("1.0.0");
  const made: string[] = [];
  for (let i = 0; i < ENVIRONMENTS; i++)
    made.push(
      (
        await submitRequest(db, developer, {
          teamId: team.id,
          templateName: name,
          tier: "dev",
          environmentName: `${name}-${i}`,
          ttlHours: 24,
          parameters: {},
          justification: "Fleet rollout benchmark environment",
          clientRequestId: randomUUID(),
        })
      ).id,
    );
  await waitUntil(
    async () => (await db.$count(requests, and(inArray(requests.id, made), inArray(requests.status, ["ready", "failed"])))) === made.length,
    900_000,
    "fleet ready",
  );
  await publish("1.0.1");

  // The rollout, measured: 20 ms per cloud call.
  await sim.cloud.configure({ latency: { baseMs: 20, jitterMs: 0 } });
  const started = performance.now();
  const { rolloutId, batches } = await startRollout(db, admin, {
    templateName: name,
    targetVersion: "1.0.1",
    canary: { size: 10, unit: "environments" },
    batchSize: 50,
    maxFailurePercent: 10,
    approvals: { mode: "wait" },
  });
  await waitUntil(
    async () => {
      const [row] = await db.select({ status: fleetRollouts.status }).from(fleetRollouts).where(eq(fleetRollouts.id, rolloutId));
      if (row?.status === "halted") throw new Error("the rollout halted");
      return row?.status === "finished";
    },
    1_200_000,
    "rollout finished",
  );
  const totalMs = performance.now() - started;

  // Per batch: its update runs' durations and span.
  const perBatch = await db.execute<{ batch: number; slowest: string; sum: string; first: string; last: string; n: string }>(sql`
    select t.batch, max(extract(epoch from (u.finished_at - u.started_at)) * 1000) as slowest,
           sum(extract(epoch from (u.finished_at - u.started_at)) * 1000) as sum,
           extract(epoch from min(u.queued_at)) * 1000 as first, extract(epoch from max(u.finished_at)) * 1000 as last, count(*) as n
    from ${fleetRolloutTargets} t join ${environments} e on e.id = t.environment_id
    join ${runs} u on u.environment_id = e.id and u.kind = 'update'
    where t.rollout_id = ${rolloutId} group by t.batch order by t.batch`);
  const rows = perBatch.rows.map((r) => ({ ...r, slowest: Number(r.slowest), sum: Number(r.sum), first: Number(r.first), last: Number(r.last) }));
  const ideal = rows.reduce((total, r) => total + Math.max(r.slowest, r.sum / CONCURRENCY), 0);
  const gaps = rows.slice(1).map((r, i) => r.first - rows[i]!.last);
  const counts = await db
    .select({ status: fleetRolloutTargets.status, n: sql<number>`count(*)::int` })
    .from(fleetRolloutTargets)
    .where(eq(fleetRolloutTargets.rolloutId, rolloutId))
    .groupBy(fleetRolloutTargets.status);
  print("rollout_environments", ENVIRONMENTS, "environments");
  print("rollout_batches", batches.length, "batches");
  for (const c of counts) print(`rollout_${c.status}`, c.n, "environments");
  print("rollout_total_ms", totalMs, "ms");
  print("rollout_ideal_ms", ideal, "ms");
  print("rollout_pct_of_ideal", (ideal / totalMs) * 100, "%");
  print("rollout_batch_gap_ms_mean", gaps.reduce((a, b) => a + b, 0) / Math.max(1, gaps.length), "ms");
  print("rollout_update_run_ms_mean", rows.reduce((a, r) => a + r.sum, 0) / ENVIRONMENTS, "ms");
} finally {
  await disconnectAll();
  await stack.dispose();
}
