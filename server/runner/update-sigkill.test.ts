/**
 * A real worker process is killed with SIGKILL in the middle of an update (new subnets, the web
 * tier replaced create-before-destroy, the load balancer updated in place) and another one is
 * started: the update resumes and finishes, the environment runs the new parameters, and the
 * simulator holds exactly what the portal tracks: no orphan, no duplicate, the old web tier gone.
 */
process.env.NEXTAUTH_SECRET ??= "sigkill-test-secret-0123456789";
import { randomUUID } from "node:crypto";
import path from "node:path";
import { and, eq } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import type { Database } from "~/db/client";
import { environments, requests, runEvents, runs, simResources } from "~/db/schema";
import { quietSimConfig } from "~/server/engines/sim/cloud";
import { createSimEngine, type SimEngine } from "~/server/engines/sim/engine";
import { syncTemplates } from "~/server/services/template-sync";
import { requestUpdate } from "~/server/services/updates";
import { loadViewer } from "~/server/services/users";
import { createTestDatabase } from "~/testing/db";
import { callerFor, makeTeam, makeUser } from "~/testing/fixtures";
import { liveInventory } from "~/testing/runs";
import { workerProcesses, workerStaleMs } from "~/testing/worker-process";
import { executeRun } from "./execute";
import { startApply } from "./start-apply";

let db: Database;
let sim: SimEngine;
let workers: ReturnType<typeof workerProcesses>;

beforeAll(async () => {
  const created = await createTestDatabase();
  db = created.db;
  workers = workerProcesses(created.url);
  await syncTemplates(db, path.resolve(import.meta.dirname, "../../templates"));
  sim = createSimEngine({ db });
  await sim.cloud.configure(quietSimConfig);
});

/** The environment's live rows and the simulator's live resources (compared at the end: the same set, each once). */
const inventory = (environmentId: string) => liveInventory(db, environmentId);

describe("a worker killed with SIGKILL mid-update", () => {
  it("resumes on the next worker: new parameters, nothing created twice, nothing left behind", { timeout: 120_000 }, async () => {
    const user = await makeUser(db);
    const teamId = (await makeTeam(db, [{ userId: user.id, role: "member" }])).id;
    const api = await callerFor(db, user.id);
    const { id: requestId } = await api.requests.submit({
      teamId,
      templateName: "web-service",
      templateVersion: "1.0.0",
      tier: "dev",
      environmentName: "sigkill-update",
      ttlHours: 24,
      parameters: { service_name: "sigkill", zones: 2 },
      justification: "Kill the worker in the middle of an update",
      clientRequestId: randomUUID(),
    });
    // The environment is made in-process on a quiet cloud; only the update runs in worker processes.
    const applyRun = await startApply(db, requestId);
    expect(await executeRun(db, applyRun!, { workerId: "test-worker", engines: () => sim })).toBe("succeeded");
    const [environment] = await db.select().from(environments).where(eq(environments.requestId, requestId));
    const before = await inventory(environment!.id);

    // Slow cloud calls, so the kill lands in the middle of the update.
    await sim.cloud.configure({ latency: { baseMs: 250, jitterMs: 0 } });
    const viewer = (await loadViewer(db, user.id))!;
    const change = await requestUpdate(db, viewer, {
      environmentId: environment!.id,
      parameters: { zones: 3, image: "ubuntu-24.04" },
      justification: "A third zone and the new image",
      clientRequestId: randomUUID(),
    });
    expect(change.status).toBe("queued");

    const first = workers.start();
    // The first step of the update is done: a subnet of the new zone exists.
    await workers.waitFor("the update's first new resource", async () => (await inventory(environment!.id)).rows.length > before.rows.length);
    await workers.kill(first);
    const [killed] = await db
      .select()
      .from(runs)
      .where(and(eq(runs.environmentId, environment!.id), eq(runs.kind, "update")));
    expect(killed?.status).toBe("running");
    const [pending] = await db.select({ status: requests.status }).from(requests).where(eq(requests.id, change.requestId));
    expect(pending?.status).not.toBe("applied");

    // Once its heartbeat is stale, a new worker takes the run over and finishes it.
    await new Promise((r) => setTimeout(r, workerStaleMs + 500));
    workers.start();
    const run = await workers.waitFor("the update run to end", async () => {
      const [row] = await db.select().from(runs).where(eq(runs.id, killed!.id));
      return row?.status === "succeeded" || row?.status === "failed" ? row : null;
    });
    const log = (await db.select({ message: runEvents.message }).from(runEvents).where(eq(runEvents.runId, run.id))).map((l) => l.message);
    expect({ status: run.status, error: run.error }).toEqual({ status: "succeeded", error: null });
    expect(run.attempts).toBeGreaterThanOrEqual(2);
    expect(log).toContainEqual(expect.stringMatching(/^Resuming update \(attempt 2\)/));

    const [row] = await db.select().from(environments).where(eq(environments.id, environment!.id));
    expect(row).toMatchObject({ status: "ready", parameters: expect.objectContaining({ zones: 3, image: "ubuntu-24.04" }) });
    const [applied] = await db.select({ status: requests.status }).from(requests).where(eq(requests.id, change.requestId));
    expect(applied?.status).toBe("applied");

    // The simulator holds exactly what the portal tracks, each once: two subnets more, a new web tier, the old one deleted.
    const after = await inventory(environment!.id);
    expect(after.cloud.map((c) => c.id).sort()).toEqual(after.rows.map((r) => r.providerId).sort());
    expect(new Set(after.cloud.map((c) => c.idempotencyKey)).size).toBe(after.cloud.length);
    expect(new Set(after.rows.map((r) => r.address)).size).toBe(after.rows.length);
    expect(after.rows).toHaveLength(before.rows.length + 2);
    const oldWeb = before.byAddress.get("web")!.providerId!;
    const newWeb = after.byAddress.get("web")!.providerId!;
    expect(newWeb).not.toBe(oldWeb);
    expect(after.cloud.find((c) => c.id === newWeb)?.properties).toMatchObject({ image: "ubuntu-24.04" });
    const [gone] = await db.select({ deletedAt: simResources.deletedAt }).from(simResources).where(eq(simResources.id, oldWeb));
    expect(gone?.deletedAt).not.toBeNull();
    // No rollback was needed.
    expect(await db.$count(runs, and(eq(runs.environmentId, environment!.id), eq(runs.kind, "rollback")))).toBe(0);
  });
});
