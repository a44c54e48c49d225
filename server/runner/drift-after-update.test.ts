/**
 * Drift after a day-2 update (sim): the desired state a check (and a reconcile) compares with is
 * the environment's current plan, the last applied update's, not the plan it was created with. A
 * subnet added by an approved change is not "extra", and a reconcile never deletes it.
 */
import { randomUUID } from "node:crypto";
import path from "node:path";
import { eq } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import type { Database } from "~/db/client";
import { driftChecks, environments } from "~/db/schema";
import type { DriftReport } from "~/server/engines/drift";
import { quietSimConfig } from "~/server/engines/sim/cloud";
import { causeDrift } from "~/server/engines/sim/chaos";
import { createSimEngine, type SimEngine } from "~/server/engines/sim/engine";
import { createRun } from "~/server/runs/store";
import { syncTemplates } from "~/server/services/template-sync";
import { createTestDatabase } from "~/testing/db";
import { callerFor, makeTeam, makeUser } from "~/testing/fixtures";
import { runQueued } from "~/testing/runs";
import { executeRun } from "./execute";
import { startApply } from "./start-apply";

let db: Database;
let sim: SimEngine;
let ownerId: string;
let teamId: string;
const runner = () => ({ workerId: "drift-update-test", engines: () => sim, retry: { attempts: 2, baseMs: 1, maxMs: 2 } });

beforeAll(async () => {
  ({ db } = await createTestDatabase());
  await syncTemplates(db, path.resolve(import.meta.dirname, "../../templates"));
  sim = createSimEngine({ db, config: quietSimConfig });
  ownerId = (await makeUser(db)).id;
  teamId = (await makeTeam(db, [{ userId: ownerId, role: "member" }])).id;
});

async function check(environmentId: string) {
  const run = await createRun(db, { environmentId, kind: "drift" });
  expect(await executeRun(db, run!.id, runner())).toBe("succeeded");
  const [row] = await db.select().from(driftChecks).where(eq(driftChecks.runId, run!.id));
  return row!;
}

describe("drift after a day-2 update (sim)", () => {
  it("compares with the applied update's plan: added subnets are not extra, and a reconcile keeps them", async () => {
    const owner = await callerFor(db, ownerId);
    const submitted = await owner.requests.submit({
      teamId,
      templateName: "web-service",
      tier: "dev",
      environmentName: `grown-${randomUUID().slice(0, 6)}`,
      ttlHours: 24,
      parameters: { service_name: "grown", zones: 1, instances: 1 },
      justification: "Drift after an update",
      clientRequestId: randomUUID(),
    });
    expect(await executeRun(db, (await startApply(db, submitted.id))!, runner())).toBe("succeeded");
    const [environment] = await db.select().from(environments).where(eq(environments.requestId, submitted.id));
    const environmentId = environment!.id;
    expect((await check(environmentId)).result).toBe("in_sync");

    // Two zones instead of one: a public and a private subnet more, made by the update run.
    const change = await owner.updates.request({
      environmentId,
      parameters: { zones: 2 },
      justification: "A second zone for the service",
      clientRequestId: randomUUID(),
    });
    expect(change.status).toBe("queued");
    await runQueued(db, environmentId, "update", runner());
    const inSync = await check(environmentId);
    expect((inSync.report as DriftReport).resources).toEqual([]);
    expect(inSync.result).toBe("in_sync");

    // Real drift is still found, and putting it back keeps what the update added.
    await causeDrift(sim.cloud, { environmentId, kind: "tag" });
    expect((await check(environmentId)).result).toBe("drifted");
    const asked = await owner.drift.requestReconcile({ environmentId, reason: "Put the stripped tag back on" });
    expect(asked.status).toBe("applied");
    await runQueued(db, environmentId, "reconcile", runner());
    await runQueued(db, environmentId, "drift", runner());
    const [after] = await db.select().from(environments).where(eq(environments.id, environmentId));
    expect(after!.driftStatus).toBe("in_sync");
    const subnets = (await sim.cloud.inventory({ tags: { "environment-id": environmentId } })).filter(
      (r) => r.type === "subnet" && r.state !== "deleted",
    );
    expect(subnets).toHaveLength(4);
  });
});
