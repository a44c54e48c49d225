/**
 * Terraform applies exactly the approved plan (real CLI): the apply run applies the plan saved
 * with the request, not a new one; when the state moved on, a re-plan with the same diff is
 * applied, and one with another diff stops the run (nothing more applied), recorded with what
 * changed and waiting for approval. Skipped, saying so, without a terraform binary.
 */
import { randomUUID } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { and, asc, eq, isNull } from "drizzle-orm";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "~/db/client";
import { approvals, auditEvents, environments, notifications, requests, runs, savedPlans } from "~/db/schema";
import { openSecret } from "~/server/core/secret-box";
import { createTerraformEngine, type TerraformEngine } from "~/server/engines/terraform/engine";
import { cliBinary, skipMessage } from "~/server/engines/terraform/test-support";
import { syncTemplates } from "~/server/services/template-sync";
import { createTestDatabase } from "~/testing/db";
import { callerFor, makeTeam, makeUser } from "~/testing/fixtures";
import { executeRun } from "./execute";
import { savePlan } from "./saved-plan";
import { startApply } from "./start-apply";
import { environmentSpecFor } from "./whole-environment";

if (!cliBinary.ok) console.log(skipMessage);

describe.skipIf(!cliBinary.ok)("terraform applies exactly the approved plan (real CLI)", () => {
  let db: Database;
  let url: string;
  let engine: TerraformEngine;
  let workDir: string;
  let teamId: string;
  let dev: Awaited<ReturnType<typeof callerFor>>;
  let approver: Awaited<ReturnType<typeof callerFor>>;
  const engines = () => engine;
  const ctx = (environmentId: string) => ({ environmentId, log: () => undefined, signal: new AbortController().signal });

  beforeAll(async () => {
    const created = await createTestDatabase();
    db = created.db;
    url = created.url;
    await syncTemplates(db, path.resolve(import.meta.dirname, "../../templates"));
    const user = await makeUser(db);
    const approverUser = await makeUser(db);
    teamId = (
      await makeTeam(db, [
        { userId: user.id, role: "member" },
        { userId: approverUser.id, role: "approver" },
      ])
    ).id;
    dev = await callerFor(db, user.id);
    approver = await callerFor(db, approverUser.id);
    workDir = await mkdtemp(path.join(os.tmpdir(), "provisio-tf-saved-"));
    engine = createTerraformEngine({ workDir, stateUrl: url, stateSchema: "provisio_terraform_state", lockTimeoutSeconds: 30 });
  });
  afterAll(async () => {
    await engine.close();
    await rm(workDir, { recursive: true, force: true });
  });

  /** A queued request of the example opened for apply: its environment and the apply run (not run yet). */
  async function opened(queueName: string, tier: "dev" | "staging" = "dev") {
    const { id: requestId } = await dev.requests.submit({
      teamId,
      templateName: "event-queue-terraform",
      tier,
      environmentName: `tf-${randomUUID().slice(0, 6)}`,
      ttlHours: 24,
      parameters: { queue_name: queueName, idempotency_table: false },
      justification: "Saved plan test with the real Terraform CLI",
      clientRequestId: randomUUID(),
    });
    if (tier !== "dev") await approve(requestId);
    const runId = (await startApply(db, requestId))!;
    const [environment] = await db.select().from(environments).where(eq(environments.requestId, requestId));
    return { requestId, runId, environment: environment!, spec: await environmentSpecFor(db, environment!.id) };
  }

  async function approve(requestId: string) {
    const [row] = await db.select({ version: requests.version }).from(requests).where(eq(requests.id, requestId));
    await approver.approvals.decide({ requestId, expectedVersion: row!.version, decision: "approved", comment: "" });
  }

  const plansOf = (requestId: string) => db.select().from(savedPlans).where(eq(savedPlans.requestId, requestId)).orderBy(asc(savedPlans.createdAt));

  async function bumpSerial(environmentId: string) {
    const client = new pg.Client(url);
    await client.connect();
    await client.query(
      "update provisio_terraform_state.states set data = jsonb_set(data::jsonb, '{serial}', to_jsonb((data::jsonb->>'serial')::int + 1))::text where name = $1",
      [`env-${environmentId}`],
    );
    await client.end();
  }

  it("applies the saved plan, not a new one: its values are what the environment gets; the plan is stored sealed", async () => {
    const { requestId, runId, environment, spec } = await opened("requested-name");
    // The plan saved with the request carries values of its own (visible in the outputs).
    const saved = await engine.planAll(ctx(environment.id), { ...spec, parameters: { ...spec.parameters, queue_name: "saved-plan-name" } });
    const row = await savePlan(db, { requestId, environmentId: environment.id, plan: saved, status: "approved" });
    expect(row.planCiphertext).not.toContain("saved-plan-name");
    expect(openSecret(row.planJsonCiphertext, "saved-plan-json", row.id)).toContain("saved-plan-name");

    expect(await executeRun(db, runId, { workerId: "test-worker", engines })).toBe("succeeded");
    const [ready] = await db.select().from(environments).where(eq(environments.id, environment.id));
    expect(ready?.outputs).toMatchObject({ queue_url: "https://sqs.us-east-1.amazonaws.com/000000000000/saved-plan-name" });
    const [applied] = await plansOf(requestId);
    expect(applied).toMatchObject({
      id: row.id,
      status: "applied",
      appliedSummary: { resources: expect.arrayContaining(["module.queue.terraform_data.queue"]) },
    });
    expect(applied?.appliedAt).toBeInstanceOf(Date);
  });

  it("saves the plan it applies when the request has none yet", async () => {
    const { requestId, runId } = await opened("made-at-apply");
    expect(await executeRun(db, runId, { workerId: "test-worker", engines })).toBe("succeeded");
    const plans = await plansOf(requestId);
    expect(plans.map((p) => p.status)).toEqual(["applied"]);
    expect((plans[0]?.diff as { action: string; address: string }[]).map((d) => `${d.action} ${d.address}`)).toEqual([
      "create module.queue.terraform_data.dead_letter_queue",
      "create module.queue.terraform_data.queue",
    ]);
  });

  it("stale plan, same diff: re-plans and applies the new plan", async () => {
    const { requestId, runId, environment, spec } = await opened("same-diff");
    const row = await savePlan(db, {
      requestId,
      environmentId: environment.id,
      plan: await engine.planAll(ctx(environment.id), spec),
      status: "approved",
    });
    // The state moves on (a new serial) without changing what exists.
    await bumpSerial(environment.id);
    const outcome = await executeRun(db, runId, { workerId: "test-worker", engines });
    const [after] = await db.select().from(environments).where(eq(environments.id, environment.id));
    expect({ outcome, summary: after?.failureSummary }).toEqual({ outcome: "succeeded", summary: null });
    const plans = await plansOf(requestId);
    expect(plans.map((p) => p.status)).toEqual(["superseded", "applied"]);
    expect(plans[0]?.id).toBe(row.id);
    expect(plans[1]?.changes).toEqual([]);
    const audit = await db
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.subjectId, requestId), eq(auditEvents.action, "request.plan_refreshed")));
    expect(audit).toHaveLength(1);
  });

  it("stale plan, changed diff: stops before applying, shows what changed, goes back to approval; approved, the new plan applies", async () => {
    const { requestId, runId, environment, spec } = await opened("approved-name", "staging");
    await savePlan(db, { requestId, environmentId: environment.id, plan: await engine.planAll(ctx(environment.id), spec), status: "approved" });
    // Out of band, someone applies other values to the environment's state.
    await engine.applyAll(ctx(environment.id), { ...spec, parameters: { ...spec.parameters, queue_name: "laptop-name" } });
    expect(await executeRun(db, runId, { workerId: "test-worker", engines })).toBe("failed");

    const [failed] = await db.select().from(environments).where(eq(environments.id, environment.id));
    expect(failed?.failureSummary).toMatch(
      /^the plan changed since it was approved, so nothing more was applied: .*module\.queue\.terraform_data\.queue: create → update/,
    );
    // Nothing more was applied (and nothing cleaned up): the state still holds the out-of-band values.
    const state = await engine.read(ctx(environment.id));
    expect(state.map((r) => r.address)).toContain("module.queue.terraform_data.queue");
    const plans = await plansOf(requestId);
    expect(plans.map((p) => p.status)).toEqual(["superseded", "needs_approval"]);
    expect(plans[1]?.changes).toEqual([
      "module.queue.terraform_data.dead_letter_queue: create → update",
      "module.queue.terraform_data.queue: create → update",
    ]);
    const [audit] = await db
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.subjectId, requestId), eq(auditEvents.action, "request.plan_changed")));
    expect(audit?.after).toMatchObject({ changes: plans[1]?.changes });
    const notes = await db.select().from(notifications).where(eq(notifications.requestId, requestId));
    expect(notes.map((n) => n.title)).toContain(`The plan of ${environment.name} changed since it was approved`);

    // Back to approval, its earlier approval cleared.
    const [pending] = await db.select().from(requests).where(eq(requests.id, requestId));
    expect(pending?.status).toBe("pending_approval");
    expect(
      await db
        .select()
        .from(approvals)
        .where(and(eq(approvals.requestId, requestId), isNull(approvals.supersededAt))),
    ).toEqual([]);
    // Approved again: the apply reopens with the new plan and applies it.
    await approve(requestId);
    const [run] = await db
      .select()
      .from(runs)
      .where(and(eq(runs.environmentId, environment.id), eq(runs.status, "queued")));
    expect(await executeRun(db, run!.id, { workerId: "test-worker", engines })).toBe("succeeded");
    expect((await plansOf(requestId)).map((p) => p.status)).toEqual(["superseded", "applied"]);
    const [ready] = await db.select().from(environments).where(eq(environments.id, environment.id));
    expect(ready?.status).toBe("ready");
    expect(ready?.outputs).toMatchObject({ queue_url: "https://sqs.us-east-1.amazonaws.com/000000000000/approved-name" });
    expect((await db.select().from(requests).where(eq(requests.id, requestId)))[0]?.status).toBe("ready");
  });
});
