/**
 * Drift and reconcile on the terraform engine, through the whole flow (real CLI): an apply run
 * makes the environment, a drift check says in sync, an out-of-band `apply` from "a laptop"
 * changes a value and a tag in the same state, the next check finds exactly that, a reconcile
 * request is approved by the team approver, the reconcile run applies the configuration again,
 * and the drift check it queues says in sync. Skipped, saying so, without a terraform binary.
 */
import { randomUUID } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "~/db/client";
import { driftChecks, environments, requests, runs } from "~/db/schema";
import type { DriftReport } from "~/server/engines/drift";
import { createTerraformEngine, type TerraformEngine } from "~/server/engines/terraform/engine";
import { cliBinary, skipMessage } from "~/server/engines/terraform/test-support";
import { syncTemplates } from "~/server/services/template-sync";
import { createTestDatabase } from "~/testing/db";
import { callerFor, makeTeam, makeUser } from "~/testing/fixtures";
import { runQueued } from "~/testing/runs";
import { executeRun } from "./execute";
import { startApply } from "./start-apply";
import { environmentSpecFor } from "./whole-environment";

if (!cliBinary.ok) console.log(skipMessage);

describe.skipIf(!cliBinary.ok)("terraform drift and reconcile through the whole flow (real CLI)", () => {
  let db: Database;
  let engine: TerraformEngine;
  let workDir: string;
  let teamId: string;
  let owner: Awaited<ReturnType<typeof callerFor>>;
  let approver: Awaited<ReturnType<typeof callerFor>>;
  const runner = () => ({ workerId: "tf-drift", engines: () => engine, retry: { attempts: 2, baseMs: 1, maxMs: 2 } });

  beforeAll(async () => {
    const created = await createTestDatabase();
    db = created.db;
    await syncTemplates(db, path.resolve(import.meta.dirname, "../../templates"));
    const [user, approverUser] = [await makeUser(db), await makeUser(db)];
    teamId = (
      await makeTeam(db, [
        { userId: user.id, role: "member" },
        { userId: approverUser.id, role: "approver" },
      ])
    ).id;
    owner = await callerFor(db, user.id);
    approver = await callerFor(db, approverUser.id);
    workDir = await mkdtemp(path.join(os.tmpdir(), "provisio-tf-drift-"));
    engine = createTerraformEngine({ workDir, stateUrl: created.url, stateSchema: "provisio_terraform_state", lockTimeoutSeconds: 30 });
  });
  afterAll(async () => {
    await engine?.close();
    if (workDir) await rm(workDir, { recursive: true, force: true });
  });

  async function approve(requestId: string) {
    const [row] = await db.select({ version: requests.version }).from(requests).where(eq(requests.id, requestId));
    await approver.approvals.decide({ requestId, expectedVersion: row!.version, decision: "approved", comment: "" });
  }

  async function checkNow(environmentId: string) {
    const { runId } = await owner.drift.checkNow({ environmentId });
    expect(await executeRun(db, runId, runner())).toBe("succeeded");
    const [check] = await db.select().from(driftChecks).where(eq(driftChecks.runId, runId));
    return check!;
  }

  it("finds an out-of-band apply, reconciles it after approval, and the confirming check is in sync", async () => {
    const { id: requestId } = await owner.requests.submit({
      teamId,
      templateName: "event-queue-terraform",
      tier: "staging",
      environmentName: `tf-drift-${randomUUID().slice(0, 6)}`,
      ttlHours: 24,
      parameters: { queue_name: "reconciled", idempotency_table: false, visibility_timeout_seconds: 30 },
      justification: "Terraform drift and reconcile through the whole flow",
      clientRequestId: randomUUID(),
    });
    await approve(requestId);
    expect(await executeRun(db, (await startApply(db, requestId))!, runner())).toBe("succeeded");
    const [environment] = await db.select().from(environments).where(eq(environments.requestId, requestId));
    const environmentId = environment!.id;
    expect((await checkNow(environmentId)).result).toBe("in_sync");

    // Out of band: the same configuration applied from a laptop with another value and another owner tag.
    const spec = await environmentSpecFor(db, environmentId);
    const ctx = { environmentId, log: () => undefined, signal: new AbortController().signal };
    await engine.applyAll(ctx, {
      ...spec,
      parameters: { ...spec.parameters, visibility_timeout_seconds: 90 },
      tags: { ...spec.tags, owner: "mallory@example.com" },
    });

    const drifted = await checkNow(environmentId);
    expect(drifted.result).toBe("drifted");
    const queue = (drifted.report as DriftReport).resources.find((r) => r.address === "module.queue.terraform_data.queue");
    expect(queue).toMatchObject({
      kind: "changed",
      properties: [{ path: "input.visibility_timeout_seconds", desired: 30, actual: 90 }],
      tags: [{ path: "owner", desired: spec.tags.owner, actual: "mallory@example.com" }],
    });
    // The tag is set by the portal's policy: this drift is reconciled, not accepted.
    expect((await owner.drift.get({ environmentId })).accept).toMatchObject({ acceptable: false });

    const asked = await owner.drift.requestReconcile({ environmentId, reason: "A laptop apply changed the queue; put it back" });
    expect(asked.status).toBe("pending_approval");
    expect(
      await db
        .select()
        .from(runs)
        .where(and(eq(runs.environmentId, environmentId), eq(runs.kind, "reconcile"))),
    ).toEqual([]);
    await approve(asked.requestId);
    await runQueued(db, environmentId, "reconcile", runner());
    const confirming = await runQueued(db, environmentId, "drift", runner());
    const [confirm] = await db.select().from(driftChecks).where(eq(driftChecks.runId, confirming));
    expect(confirm).toMatchObject({ result: "in_sync", engine: "terraform" });
    const [after] = await db.select().from(environments).where(eq(environments.id, environmentId));
    expect(after).toMatchObject({ driftStatus: "in_sync", driftedSince: null, driftFingerprint: null });
    expect((await db.select().from(requests).where(eq(requests.id, asked.requestId)))[0]?.status).toBe("applied");

    await engine.destroyAll(ctx, await environmentSpecFor(db, environmentId));
  });
});
