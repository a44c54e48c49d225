/**
 * Fleet rollouts on the sim engine, end to end: the dry run's totals and refusals, a canary then
 * batches, a forced failure that halts a batch (and is rolled back), resume to the end, cancel,
 * a busy environment skipped, prod approvals waited for or skipped with a reason, and the
 * progression run twice changing nothing. Runs are executed in-process (no worker): `drain`
 * plays the worker's part between two advances.
 */
import { and, eq, inArray, sql } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import type { Database } from "~/db/client";
import { auditEvents, environments, fleetRolloutTargets, fleetRollouts, notifications, requests, runs, templateVersions } from "~/db/schema";
import { createRun } from "~/server/runs/store";
import { decideRequest } from "~/server/services/approvals";
import type { Viewer } from "~/server/services/users";
import { createTestDatabase } from "~/testing/db";
import { fleetWorld, type FleetWorld } from "~/testing/fleet";
import { advanceRollout } from "./fleet-rollout-progress";
import { cancelRollout, dryRunRollout, getRollout, pauseRollout, resumeRollout, startRollout, type StartRolloutInput } from "./fleet-rollout";
import { cancelRequest } from "./requests";
import { armSimFault } from "./sim-faults";

let db: Database;
let owner: Viewer;
let admin: Viewer;
let approvers: Viewer[];
let twoVersions: FleetWorld["twoVersions"];
let fleet: FleetWorld["fleet"];
let drain: FleetWorld["drain"];

beforeAll(async () => {
  ({ db } = await createTestDatabase());
  ({ owner, admin, approvers, twoVersions, fleet, drain } = await fleetWorld(db));
});

const settings = (template: string, over: Partial<StartRolloutInput> = {}): StartRolloutInput => ({
  templateName: template,
  targetVersion: "1.0.1",
  canary: { size: 2, unit: "environments" },
  batchSize: 3,
  maxFailures: 0,
  approvals: { mode: "wait" },
  ...over,
});

async function targets(rolloutId: string) {
  return (await getRollout(db, { rolloutId })).targets;
}

async function versionOf(environmentId: string) {
  const [row] = await db
    .select({ version: templateVersions.version })
    .from(environments)
    .innerJoin(templateVersions, eq(templateVersions.id, environments.templateVersionId))
    .where(eq(environments.id, environmentId));
  return row!.version;
}

describe("fleet rollout dry run", () => {
  it("plans every environment behind with totals, and lists the ones it cannot move with the reason", async () => {
    const template = await twoVersions();
    const [a, b, busy] = await fleet(template, 3);
    const [prod] = await fleet(template, 1, "prod");
    await db.transaction((tx) => createRun(tx, { environmentId: busy!, kind: "drift" }));
    const plan = await dryRunRollout(db, admin, { templateName: template, targetVersion: "1.0.1" });
    expect(plan.planned.map((p) => p.environmentId).sort()).toEqual([a, b, prod].sort());
    // Dev first: the canary comes from the lowest tier.
    expect(plan.planned.at(-1)!.environmentId).toBe(prod);
    expect(plan.refused).toEqual([expect.objectContaining({ environmentId: busy, reason: "a drift run is in progress" })]);
    // Three resources each, every one re-tagged in place; nothing replaced; the cost does not move.
    expect(plan.totals).toMatchObject({
      environments: 3,
      inPlace: 9,
      replacements: 0,
      statefulReplacements: 0,
      monthlyDeltaCents: 0,
      needApproval: 1,
      refused: 1,
    });
    expect(plan.planned.find((p) => p.environmentId === prod)!.needsApproval).toBe(true);
  });

  it("refuses a draft or unknown target version and an unknown template, naming the field", async () => {
    const template = await twoVersions();
    await expect(dryRunRollout(db, admin, { templateName: template, targetVersion: "9.9.9" })).rejects.toMatchObject({ field: "targetVersion" });
    await expect(dryRunRollout(db, admin, { templateName: "no-such-template", targetVersion: "1.0.1" })).rejects.toMatchObject({
      field: "templateName",
    });
  });
});

describe("staged fleet rollout", () => {
  it("runs the canary, then batches, notifies owners before and after, and finishes with events and audit", async () => {
    const template = await twoVersions();
    const ids = await fleet(template, 7);
    const { rolloutId, batches } = await startRollout(db, admin, settings(template));
    expect(batches).toEqual([2, 3, 2]);
    // Owners heard before anything ran.
    const before = await db
      .select()
      .from(notifications)
      .where(and(eq(notifications.userId, owner.id), eq(notifications.kind, "fleet_rollout")));
    expect(before.some((n) => n.title.includes(`${template} 1.0.1 is being rolled out`))).toBe(true);

    await advanceRollout(db, rolloutId);
    let now = await targets(rolloutId);
    expect(now.filter((t) => t.status === "running").map((t) => t.batch)).toEqual([0, 0]);
    expect(now.filter((t) => t.status === "pending")).toHaveLength(5);
    // A finished update run wakes the rollout at once: its advance job is due now, not at the next poll.
    await db.execute(sql`select graphile_worker.remove_job(${`fleet_rollout:${rolloutId}`})`);
    await drain(ids);
    const woken = await db.execute<{ due: boolean }>(
      sql`select run_at <= now() as due from graphile_worker.jobs where key = ${`fleet_rollout:${rolloutId}`}`,
    );
    expect(woken.rows).toEqual([{ due: true }]);

    for (let batch = 0; batch < 3; batch++) {
      await drain(ids);
      await advanceRollout(db, rolloutId);
      now = await targets(rolloutId);
      expect(now.filter((t) => t.batch! <= batch).every((t) => t.status === "succeeded")).toBe(true);
    }
    const rollout = await getRollout(db, { rolloutId });
    expect(rollout.status).toBe("finished");
    expect(rollout.counts).toMatchObject({ succeeded: 7, failed: 0, skipped: 0 });
    for (const id of ids) expect(await versionOf(id)).toBe("1.0.1");
    const audit = await db.select({ action: auditEvents.action }).from(auditEvents).where(eq(auditEvents.subjectId, rolloutId));
    expect(audit.map((a) => a.action)).toEqual(expect.arrayContaining(["fleet.rollout_started", "fleet.batch_finished", "fleet.finished"]));
    expect(audit.filter((a) => a.action === "fleet.batch_finished")).toHaveLength(3);
    const after = await db
      .select()
      .from(notifications)
      .where(and(eq(notifications.userId, owner.id), eq(notifications.kind, "fleet_rollout")));
    expect(after.filter((n) => n.title.includes("finished") && n.body.includes("updated"))).toHaveLength(3);
  });

  it("halts when a batch passes its failure threshold (the failed update rolled back), and resume finishes it", async () => {
    const template = await twoVersions();
    const ids = await fleet(template, 6);
    const { rolloutId } = await startRollout(db, admin, settings(template, { batchSize: 2 }));
    await advanceRollout(db, rolloutId);
    await drain(ids);
    await advanceRollout(db, rolloutId); // canary done, batch 1 started
    const batch1 = (await targets(rolloutId)).filter((t) => t.batch === 1);
    expect(batch1.every((t) => t.status === "running")).toBe(true);
    // Batch 2 gets a forced failure on one environment before it starts.
    const doomed = (await targets(rolloutId)).find((t) => t.batch === 2)!.environmentId;
    await armSimFault(db, admin, { environmentId: doomed });
    await drain(ids);
    await advanceRollout(db, rolloutId); // batch 1 done, batch 2 started
    await drain(ids);
    await advanceRollout(db, rolloutId);

    let rollout = await getRollout(db, { rolloutId });
    expect(rollout.status).toBe("halted");
    expect(rollout.currentBatch).toBe(2);
    expect(rollout.haltReason).toMatch(/1 of 2 updates in batch 2 failed/);
    const failed = rollout.targets.find((t) => t.environmentId === doomed)!;
    expect(failed).toMatchObject({ status: "failed", rolledBack: true });
    expect(failed.reason).toMatch(/Rolled back to 1\.0\.0/);
    expect(await versionOf(doomed)).toBe("1.0.0");
    const [env] = await db.select({ status: environments.status }).from(environments).where(eq(environments.id, doomed));
    expect(env!.status).toBe("ready");
    const haltAudit = await db
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.subjectId, rolloutId), eq(auditEvents.action, "fleet.halted")));
    expect(haltAudit).toHaveLength(1);

    // Halted: advancing starts nothing.
    await advanceRollout(db, rolloutId);
    expect((await getRollout(db, { rolloutId })).status).toBe("halted");

    await resumeRollout(db, admin, { rolloutId });
    await advanceRollout(db, rolloutId);
    await drain(ids);
    await advanceRollout(db, rolloutId);
    rollout = await getRollout(db, { rolloutId });
    expect(rollout.status).toBe("finished");
    expect(rollout.counts).toMatchObject({ succeeded: 5, failed: 1 });
    // The halted batch was the last: resume finishes without judging a batch that does not exist.
    const batchAudits = await db
      .select({ after: auditEvents.after })
      .from(auditEvents)
      .where(and(eq(auditEvents.subjectId, rolloutId), eq(auditEvents.action, "fleet.batch_finished")));
    expect(batchAudits.map((a) => (a.after as { batch: number }).batch).sort()).toEqual([0, 1, 2]);
  });

  it("pause starts nothing new; cancel stops every further batch and skips what was pending", async () => {
    const template = await twoVersions();
    const ids = await fleet(template, 5);
    const { rolloutId } = await startRollout(db, admin, settings(template, { canary: { size: 20, unit: "percent" }, batchSize: 2 }));
    await advanceRollout(db, rolloutId);
    expect((await targets(rolloutId)).filter((t) => t.status === "running")).toHaveLength(1); // 20 % of 5
    await pauseRollout(db, admin, { rolloutId });
    await drain(ids);
    await advanceRollout(db, rolloutId);
    let now = await targets(rolloutId);
    expect(now.filter((t) => t.status === "succeeded")).toHaveLength(1); // results still recorded while paused
    expect(now.filter((t) => t.status === "pending")).toHaveLength(4);
    await expect(pauseRollout(db, admin, { rolloutId })).rejects.toMatchObject({ kind: "conflict" });

    await cancelRollout(db, admin, { rolloutId, reason: "wrong version" });
    await advanceRollout(db, rolloutId);
    now = await targets(rolloutId);
    expect(now.filter((t) => t.status === "skipped").map((t) => t.reason)).toEqual(Array(4).fill("the rollout was cancelled"));
    const [row] = await db.select().from(fleetRollouts).where(eq(fleetRollouts.id, rolloutId));
    expect(row!.status).toBe("cancelled");
    const updates = await db
      .select()
      .from(requests)
      .where(and(inArray(requests.environmentId, ids), eq(requests.kind, "update")));
    expect(updates).toHaveLength(1);
    await expect(resumeRollout(db, admin, { rolloutId })).rejects.toMatchObject({ kind: "conflict" });
  });

  it("skips an environment whose run is in progress when its batch starts, and says so", async () => {
    const template = await twoVersions();
    const ids = await fleet(template, 3);
    const { rolloutId } = await startRollout(db, admin, settings(template, { canary: { size: 1, unit: "environments" }, batchSize: 2 }));
    const later = (await targets(rolloutId)).filter((t) => t.batch === 1)[0]!.environmentId;
    await db.transaction((tx) => createRun(tx, { environmentId: later, kind: "drift" }));
    await advanceRollout(db, rolloutId);
    await drain(ids);
    await advanceRollout(db, rolloutId);
    const busy = (await targets(rolloutId)).find((t) => t.environmentId === later)!;
    expect(busy).toMatchObject({ status: "skipped", reason: "a drift run is in progress" });
  });

  it("is idempotent: advancing twice (or concurrently) starts no batch twice and updates no environment twice", async () => {
    const template = await twoVersions();
    const ids = await fleet(template, 4);
    const { rolloutId } = await startRollout(db, admin, settings(template, { batchSize: 2 }));
    await Promise.all([advanceRollout(db, rolloutId), advanceRollout(db, rolloutId)]);
    await advanceRollout(db, rolloutId);
    await drain(ids);
    await Promise.all([advanceRollout(db, rolloutId), advanceRollout(db, rolloutId)]);
    await advanceRollout(db, rolloutId);
    await drain(ids);
    await advanceRollout(db, rolloutId);
    await advanceRollout(db, rolloutId);
    const rollout = await getRollout(db, { rolloutId });
    expect(rollout.status).toBe("finished");
    const updates = await db
      .select()
      .from(requests)
      .where(and(inArray(requests.environmentId, ids), eq(requests.kind, "update")));
    expect(updates).toHaveLength(4);
    const updateRuns = await db
      .select()
      .from(runs)
      .where(and(inArray(runs.environmentId, ids), eq(runs.kind, "update")));
    expect(updateRuns).toHaveLength(4);
    const batchAudits = await db
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.subjectId, rolloutId), eq(auditEvents.action, "fleet.batch_finished")));
    expect(batchAudits).toHaveLength(2);
  });

  it("prod updates wait for their approvals, or start at once when the admin skips them with a reason (audited)", async () => {
    const template = await twoVersions();
    const [prod] = await fleet(template, 1, "prod");
    const waiting = await startRollout(db, admin, settings(template, { canary: { size: 1, unit: "environments" } }));
    await advanceRollout(db, waiting.rolloutId);
    let [target] = await targets(waiting.rolloutId);
    expect(target).toMatchObject({ status: "awaiting_approval" });
    await advanceRollout(db, waiting.rolloutId);
    expect((await getRollout(db, { rolloutId: waiting.rolloutId })).status).toBe("running");
    for (const approver of approvers) {
      const [r] = await db.select().from(requests).where(eq(requests.id, target!.requestId!));
      await decideRequest(db, approver, { requestId: r!.id, expectedVersion: r!.version, decision: "approved", comment: "" });
    }
    await advanceRollout(db, waiting.rolloutId);
    [target] = await targets(waiting.rolloutId);
    expect(target!.status).toBe("running");
    await drain([prod!]);
    await advanceRollout(db, waiting.rolloutId);
    expect((await getRollout(db, { rolloutId: waiting.rolloutId })).status).toBe("finished");

    const other = await twoVersions();
    const [prod2] = await fleet(other, 1, "prod");
    const skipping = await startRollout(db, admin, settings(other, { approvals: { mode: "skip", reason: "security patch, CVE fix" } }));
    await advanceRollout(db, skipping.rolloutId);
    [target] = await targets(skipping.rolloutId);
    expect(target!.status).toBe("running");
    const [approved] = await db
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.subjectId, target!.requestId!), eq(auditEvents.action, "request.approved")));
    expect(approved!.actorId).toBe(admin.id);
    expect(approved!.after).toMatchObject({ reason: "approvals skipped by an admin: security patch, CVE fix" });
    await drain([prod2!]);
    await advanceRollout(db, skipping.rolloutId);
    expect(await versionOf(prod2!)).toBe("1.0.1");
  });

  it("is woken at once by an approval, a rejection or a cancel of one of its changes (no poll, no sweep)", async () => {
    const template = await twoVersions();
    await fleet(template, 3, "prod");
    const { rolloutId } = await startRollout(db, admin, settings(template, { canary: { size: 3, unit: "environments" }, maxFailures: 5 }));
    await advanceRollout(db, rolloutId);
    const waiting = await targets(rolloutId);
    expect(waiting.map((t) => t.status)).toEqual(["awaiting_approval", "awaiting_approval", "awaiting_approval"]);
    const key = `fleet_rollout:${rolloutId}`;
    const due = async () =>
      (await db.execute<{ due: boolean }>(sql`select run_at <= now() as due from graphile_worker.jobs where key = ${key}`)).rows;
    const request = async (i: number) => (await db.select().from(requests).where(eq(requests.id, waiting[i]!.requestId!)))[0]!;

    // Each decision queues the advance in its own transaction; nothing was queued before it.
    await db.execute(sql`select graphile_worker.remove_job(${key})`);
    await decideRequest(db, approvers[0]!, {
      requestId: waiting[0]!.requestId!,
      expectedVersion: (await request(0)).version,
      decision: "rejected",
      comment: "not now",
    });
    expect(await due()).toEqual([{ due: true }]);
    await db.execute(sql`select graphile_worker.remove_job(${key})`);
    await cancelRequest(db, admin, { requestId: waiting[1]!.requestId!, expectedVersion: (await request(1)).version, reason: "changed my mind" });
    expect(await due()).toEqual([{ due: true }]);
    await db.execute(sql`select graphile_worker.remove_job(${key})`);
    // The first approval of two leaves it waiting: no wake-up; the second starts the change and wakes it.
    await decideRequest(db, approvers[0]!, {
      requestId: waiting[2]!.requestId!,
      expectedVersion: (await request(2)).version,
      decision: "approved",
      comment: "",
    });
    expect(await due()).toEqual([]);
    await decideRequest(db, approvers[1]!, {
      requestId: waiting[2]!.requestId!,
      expectedVersion: (await request(2)).version,
      decision: "approved",
      comment: "",
    });
    expect(await due()).toEqual([{ due: true }]);

    await advanceRollout(db, rolloutId);
    const now = await targets(rolloutId);
    expect(now.find((t) => t.environmentId === waiting[0]!.environmentId)).toMatchObject({
      status: "skipped",
      reason: "an approver rejected the change",
    });
    expect(now.find((t) => t.environmentId === waiting[1]!.environmentId)).toMatchObject({
      status: "skipped",
      reason: "the change request was cancelled",
    });
    expect(now.find((t) => t.environmentId === waiting[2]!.environmentId)).toMatchObject({ status: "running" });
  });

  it("refuses a second open rollout of a template, a threshold-less start, and a forced fault outside the sim", async () => {
    const template = await twoVersions();
    await fleet(template, 1);
    await expect(startRollout(db, admin, { ...settings(template), maxFailures: undefined })).rejects.toMatchObject({ field: "maxFailures" });
    await startRollout(db, admin, settings(template));
    await expect(startRollout(db, admin, settings(template))).rejects.toMatchObject({ kind: "conflict", field: "targetVersion" });
    const [anyEnv] = await db.select().from(fleetRolloutTargets).limit(1);
    await db.execute(sql`update environments set engine = 'terraform' where id = ${anyEnv!.environmentId}`);
    await expect(armSimFault(db, admin, { environmentId: anyEnv!.environmentId })).rejects.toMatchObject({ field: "environmentId" });
    await db.execute(sql`update environments set engine = 'sim' where id = ${anyEnv!.environmentId}`);
  });
});
