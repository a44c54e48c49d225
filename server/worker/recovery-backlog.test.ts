/**
 * Recovery under a full provisioning backlog, with real worker processes: two workers each run
 * two slow applies and four more requests wait in the queue; one worker is SIGKILLed mid-apply.
 * Its runs resume on the other worker's reserved recovery capacity within
 * PROVISIO_RUN_STALE_MS + 5 s of the kill, before any of the queued requests' applies finish
 * (they need the provisioning slots; recovery does not), and the dead worker's graphile-worker
 * job locks are released at once: its provision jobs run again, and /api/metrics stops counting
 * them as running. (Before: recovery waited for the cron minute and a free slot, 58–106 s, and
 * the locks for graphile-worker's 4 h expiry.)
 */
process.env.NEXTAUTH_SECRET ??= "recovery-test-secret-0123456789";
import { randomUUID } from "node:crypto";
import path from "node:path";
import { and, eq, inArray, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "~/db/client";
import { environmentResources, environments, runs, teams, workerHeartbeats } from "~/db/schema";
import { createSimEngine } from "~/server/engines/sim/engine";
import { createMetrics } from "~/server/observability/metrics";
import { syncTemplates } from "~/server/services/template-sync";
import { createTestDatabase } from "~/testing/db";
import { callerFor, makeTeam, makeUser } from "~/testing/fixtures";
import { checkAfterCrashes } from "./chaos";
import { recoveryBoundMs, startWorkerProcess, waitUntilStarted, type WorkerProcess } from "./test-support";

const STALE_MS = 2_000;
const workers: WorkerProcess[] = [];
let db: Database;
let url: string;

beforeAll(async () => {
  ({ db, url } = await createTestDatabase());
  await syncTemplates(db, path.resolve(import.meta.dirname, "../../templates"));
  // Slow cloud calls: an apply takes several seconds, so the backlog stays a backlog.
  await createSimEngine({ db }).cloud.configure({
    latency: { baseMs: 400, jitterMs: 0 },
    bootDelayMs: { nat_gateway: 0, load_balancer: 0, instance_group: 0, instance: 0 },
    rateLimit: null,
    quotas: { "*": { vcpus: 1_000_000, instances: 1_000_000, gpus: 1_000 } },
  });
});
afterAll(async () => {
  await Promise.all(workers.map((w) => w.kill()));
});

const startWorker = () => {
  const worker = startWorkerProcess({
    databaseUrl: url,
    env: {
      WORKER_CONCURRENCY: "2",
      PROVISIO_RECOVERY_CONCURRENCY: "2",
      PROVISIO_RUN_STALE_MS: String(STALE_MS),
      PROVISIO_RUN_HEARTBEAT_MS: "400",
      PROVISIO_ORPHAN_SWEEP: "off",
    },
  });
  workers.push(worker);
  return worker;
};

async function until<T>(what: string, check: () => Promise<T | null | undefined | false>, timeoutMs = 90_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const held = (workerId: string) =>
  db
    .select({ id: runs.id, attempts: runs.attempts, environmentId: runs.environmentId })
    .from(runs)
    .where(and(eq(runs.workerId, workerId), eq(runs.status, "running")));
/** Jobs locked by these worker pools; with a task, only that task's (a dead worker may also hold a webhook or cron job). */
const lockedBy = async (poolIds: string[], task?: string) =>
  (
    await db.execute<{ n: number }>(
      sql`select count(*)::int as n from graphile_worker._private_jobs j join graphile_worker._private_tasks t on t.id = j.task_id
          where j.locked_by = any(${sql.param(poolIds)}::text[]) and (${task ?? null}::text is null or t.identifier = ${task ?? null}::text)`,
    )
  ).rows[0]!.n;
const runningProvisionJobs = async () => {
  const text = await createMetrics(db).scrape();
  return Number(/^provisio_queue_depth\{task="provision_request",state="running"\} (\d+)$/m.exec(text)?.[1] ?? NaN);
};

describe("a worker killed under a full provisioning backlog", () => {
  it(
    "has its runs resumed on reserved capacity within PROVISIO_RUN_STALE_MS + 5 s, before the backlog, and its job locks released",
    { timeout: 180_000 },
    async () => {
      // Judged before our own worker processes add to the load.
      const { ms: bound, loaded } = recoveryBoundMs(STALE_MS);
      const user = await makeUser(db);
      const team = await makeTeam(db, [{ userId: user.id, role: "member" }]);
      await db.update(teams).set({ monthlyBudgetCents: 1_000_000_000 }).where(eq(teams.id, team.id));
      const api = await callerFor(db, user.id);
      const requestIds: string[] = [];
      for (let i = 0; i < 8; i++) {
        const { id } = await api.requests.submit({
          teamId: team.id,
          templateName: "web-service",
          tier: "dev",
          environmentName: `backlog-${i}`,
          ttlHours: 24,
          parameters: { service_name: `backlog-${i}` },
          justification: "A backlog bigger than the workers' slots",
          clientRequestId: randomUUID(),
        });
        requestIds.push(id);
      }

      // Both workers full (2 applies each), 4 requests still queued.
      const [victim, survivor] = [startWorker(), startWorker()];
      await Promise.all([waitUntilStarted(db, victim), waitUntilStarted(db, survivor)]);
      const victimRuns = await until("the victim holding two applies, each with a resource made", async () => {
        const mine = await held(victim.workerId!);
        if (mine.length < 2) return null;
        const made = await db
          .select({ environmentId: environmentResources.environmentId })
          .from(environmentResources)
          .where(
            and(
              inArray(
                environmentResources.environmentId,
                mine.map((r) => r.environmentId),
              ),
              eq(environmentResources.status, "ready"),
            ),
          );
        return new Set(made.map((m) => m.environmentId)).size === 2 ? mine : null;
      });
      expect((await held(survivor.workerId!)).length).toBe(2);

      const killedAt = Date.now();
      await victim.kill();
      // The requests still waiting for a provisioning slot when the worker died.
      const opened = await db.select({ requestId: environments.requestId }).from(environments).where(inArray(environments.requestId, requestIds));
      const backlog = requestIds.filter((id) => !opened.some((o) => o.requestId === id));
      expect(backlog.length).toBeGreaterThanOrEqual(2);
      // Its two provision jobs stay locked by a dead worker, and count as running, until released.
      expect(await lockedBy(victim.graphileWorkerIds, "provision_request")).toBe(2);
      expect(await runningProvisionJobs()).toBeGreaterThanOrEqual(2);

      // Resumed: another worker claimed each run (its attempt went up).
      const resumedAt = await until("the killed worker's runs resumed", async () => {
        const now = await db
          .select({ id: runs.id, attempts: runs.attempts })
          .from(runs)
          .where(
            inArray(
              runs.id,
              victimRuns.map((r) => r.id),
            ),
          );
        return victimRuns.every((before) => now.some((r) => r.id === before.id && r.attempts > before.attempts)) ? Date.now() : null;
      });
      const releasedAt = await until("the killed worker's job locks released", async () =>
        (await lockedBy(victim.graphileWorkerIds)) === 0 ? Date.now() : null,
      );
      // Counted as running no more: only the survivor's (at most its 2 provisioning slots).
      expect(await runningProvisionJobs()).toBeLessThanOrEqual(2);
      const [dead] = await db.select().from(workerHeartbeats).where(eq(workerHeartbeats.workerId, victim.workerId!));
      expect(dead?.locksReleasedAt).toBeInstanceOf(Date);

      // Everything finishes; the jobs the dead worker had taken ran again (none left in the queue).
      await until(
        "every environment ready",
        async () => (await db.$count(environments, and(inArray(environments.requestId, requestIds), eq(environments.status, "ready")))) === 8,
      );
      await until(
        "the queue drained",
        async () =>
          (await db.execute<{ n: number }>(sql`select count(*)::int as n from graphile_worker.jobs where task_identifier = 'provision_request'`))
            .rows[0]!.n === 0,
      );
      const backlogFinished = await db
        .select({ finishedAt: runs.finishedAt })
        .from(runs)
        .innerJoin(environments, eq(environments.id, runs.environmentId))
        .where(and(inArray(environments.requestId, backlog), eq(runs.kind, "apply")));
      const firstBacklogDone = Math.min(...backlogFinished.map((r) => r.finishedAt!.getTime()));

      console.log(
        `recovery under backlog: resumed ${resumedAt - killedAt} ms after the kill (bound ${bound} ms${loaded ? ", machine loaded before the test" : ""}), locks released after ${releasedAt - killedAt} ms, first backlog apply finished ${firstBacklogDone - killedAt} ms after the kill`,
      );
      expect(resumedAt - killedAt).toBeLessThan(bound);
      expect(releasedAt - killedAt).toBeLessThan(bound);
      // The order: the killed runs went ahead of the backlog, whatever the machine's speed.
      expect(resumedAt).toBeLessThan(firstBacklogDone);

      await survivor.stop();
      const check = await checkAfterCrashes(db, { teamId: team.id, requestIds, destroyNames: new Set(), killedPools: victim.graphileWorkerIds });
      expect(check.environments.other).toEqual([]);
      expect(check.cloud.missing).toEqual([]);
      expect(check.cloud.untracked).toEqual([]);
      expect(check.duplicates).toEqual([]);
      expect(check.orphans).toEqual([]);
      expect(check.provisionedOnceViolations).toEqual([]);
      expect(check.locksLeftByKilledWorkers).toBe(0);
    },
  );
});
