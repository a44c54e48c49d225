/**
 * A real worker process is killed with SIGKILL in the middle of an apply and another one is
 * started: the run resumes, every resource is tracked, and the simulator holds exactly what
 * the portal recorded, with no duplicate.
 */
process.env.NEXTAUTH_SECRET ??= "sigkill-test-secret-0123456789";
import { randomUUID } from "node:crypto";
import path from "node:path";
import { and, eq, sql } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import type { Database } from "~/db/client";
import { environmentResources, environments, runEvents, runs } from "~/db/schema";
import { createSimEngine } from "~/server/engines/sim/engine";
import { syncTemplates } from "~/server/services/template-sync";
import { createTestDatabase } from "~/testing/db";
import { callerFor, makeTeam, makeUser } from "~/testing/fixtures";
import { workerProcesses, workerStaleMs } from "~/testing/worker-process";

const root = path.resolve(import.meta.dirname, "../..");
let db: Database;
let workers: ReturnType<typeof workerProcesses>;

beforeAll(async () => {
  const created = await createTestDatabase();
  db = created.db;
  workers = workerProcesses(created.url);
  await syncTemplates(db, path.join(root, "templates"));
  // Slow cloud calls, so the kill lands in the middle of the apply.
  await createSimEngine({ db }).cloud.configure({
    latency: { baseMs: 250, jitterMs: 0 },
    bootDelayMs: { nat_gateway: 0, load_balancer: 0, instance_group: 0 },
    rateLimit: null,
  });
});

describe("a worker killed with SIGKILL mid-apply", () => {
  it("resumes on the next worker with every resource tracked and none created twice", { timeout: 90_000 }, async () => {
    const user = await makeUser(db);
    const teamId = (await makeTeam(db, [{ userId: user.id, role: "member" }])).id;
    const api = await callerFor(db, user.id);
    const { id: requestId } = await api.requests.submit({
      teamId,
      templateName: "web-service",
      tier: "dev",
      environmentName: "sigkill",
      ttlHours: 24,
      parameters: { service_name: "sigkill" },
      justification: "Kill the worker in the middle of this apply",
      clientRequestId: randomUUID(),
    });

    const first = workers.start();
    const environment = await workers.waitFor(
      "the environment",
      async () => (await db.select().from(environments).where(eq(environments.requestId, requestId)))[0],
    );
    await workers.waitFor("three created resources", async () => {
      const ready = await db.$count(
        environmentResources,
        and(eq(environmentResources.environmentId, environment.id), eq(environmentResources.status, "ready")),
      );
      return ready >= 3;
    });
    await workers.kill(first);
    const [killed] = await db.select().from(runs).where(eq(runs.environmentId, environment.id));
    expect(killed?.status).toBe("running");
    const tracked = await db.$count(environmentResources, eq(environmentResources.environmentId, environment.id));
    expect(tracked).toBeGreaterThanOrEqual(3);

    // Once its heartbeat is stale, a new worker takes the run over and finishes it.
    await new Promise((r) => setTimeout(r, workerStaleMs + 500));
    workers.start();
    const done = await workers.waitFor("the environment to be ready", async () => {
      const [row] = await db.select().from(environments).where(eq(environments.id, environment.id));
      return row?.status === "ready" || row?.status === "failed" ? row : null;
    });
    expect(done.status).toBe("ready");

    const [run] = await db.select().from(runs).where(eq(runs.environmentId, environment.id));
    expect(run).toMatchObject({ status: "succeeded" });
    expect(run?.attempts).toBeGreaterThanOrEqual(2);
    const log = await db.select({ message: runEvents.message }).from(runEvents).where(eq(runEvents.runId, run!.id));
    expect(log.map((l) => l.message)).toContainEqual(expect.stringMatching(/^Resuming apply \(attempt 2\)/));

    // The simulator holds exactly what the portal tracks: no duplicate, no orphan.
    const rows = await db.select().from(environmentResources).where(eq(environmentResources.environmentId, environment.id));
    expect(rows.every((r) => r.status === "ready")).toBe(true);
    const inventory = await db.execute(
      sql`select id as provider_id, idempotency_key from sim_resources where tags->>'environment-id' = ${environment.id} and deleted_at is null and parent_id is null`,
    );
    const simRows = inventory.rows as { provider_id: string; idempotency_key: string }[];
    expect(simRows).toHaveLength(rows.length);
    expect(new Set(simRows.map((r) => r.idempotency_key)).size).toBe(rows.length);
    expect(new Set(simRows.map((r) => r.provider_id))).toEqual(new Set(rows.map((r) => r.providerId)));
  });
});
