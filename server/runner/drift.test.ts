/**
 * Drift check runs on the sim engine: in sync after provisioning; a change outside the portal
 * (property, tag, deleted resource) is found with its values and told once; a read that fails is
 * "check failed", never drift; a whole-environment engine uses checkDrift, or fails the check.
 */
import { and, desc, eq } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import type { Database } from "~/db/client";
import { environments, notifications, runs } from "~/db/schema";
import type { DriftReport } from "~/server/engines/drift";
import type { Engine } from "~/server/engines/engine";
import { causeDrift } from "~/server/engines/sim/chaos";
import type { SimEngine } from "~/server/engines/sim/engine";
import { createMetrics } from "~/server/observability/metrics";
import { createRun } from "~/server/runs/store";
import { driftOccurrences, unauthorizedChangeRate } from "~/server/services/drift-metrics";
import { createTestDatabase } from "~/testing/db";
import { driftWorld, type DriftWorld } from "~/testing/drift";
import { callerFor } from "~/testing/fixtures";
import { executeRun } from "./execute";

let db: Database;
let sim: SimEngine;
let ownerId: string;
let approverId: string;
let runner: DriftWorld["runner"];
let provision: () => Promise<string>;
let check: DriftWorld["checkDrift"];

beforeAll(async () => {
  ({ db } = await createTestDatabase());
  const world = await driftWorld(db);
  ({ sim, ownerId, approverId, runner, checkDrift: check } = world);
  provision = () => world.readyBastion("drift");
});

const driftNotifications = (environmentId: string) =>
  db
    .select()
    .from(notifications)
    .where(and(eq(notifications.kind, "environment_drifted"), eq(notifications.link, `/environments/${environmentId}`)));

describe("drift check runs (sim)", () => {
  it("is in sync after provisioning, finds changes made outside with their values, tells once, and never changes anything", async () => {
    const environmentId = await provision();
    const first = await check(environmentId);
    expect(first.check).toMatchObject({ result: "in_sync", failureReason: null, fingerprint: null, engine: "sim" });
    expect(first.environment).toMatchObject({ driftStatus: "in_sync", driftedSince: null, driftFailures: 0 });
    expect(first.environment.driftNextCheckAt!.getTime()).toBeGreaterThan(Date.now());

    const changed = await causeDrift(sim.cloud, { environmentId, kind: "property" });
    const stripped = await causeDrift(sim.cloud, { environmentId, kind: "tag" });
    expect(changed).toHaveLength(1);
    expect(stripped).toHaveLength(1);
    const before = await sim.cloud.inventory({ tags: { "environment-id": environmentId } });

    const second = await check(environmentId);
    expect(second.check.result).toBe("drifted");
    expect(second.environment.driftStatus).toBe("drifted");
    expect(second.environment.driftedSince).not.toBeNull();
    const report = second.check.report as DriftReport;
    const instance = report.resources.find((r) => r.providerId === changed[0]!.resourceId);
    expect(instance).toMatchObject({ kind: "changed", type: "instance" });
    expect(instance?.kind === "changed" && instance.properties).toEqual([{ path: "instance_type", desired: "t3.micro", actual: "t3.small" }]);
    const tagged = report.resources.find((r) => r.providerId === stripped[0]!.resourceId);
    expect(tagged?.kind === "changed" && tagged.tags.map((t) => t.actual)).toContain(null);
    // A check is read-only: the cloud is exactly as it was.
    expect(await sim.cloud.inventory({ tags: { "environment-id": environmentId } })).toEqual(before);

    const told = await driftNotifications(environmentId);
    expect(told.map((n) => n.userId).sort()).toEqual([ownerId, approverId].sort());
    // The same drift again: not told twice, drifted since the first time.
    const third = await check(environmentId);
    expect(third.check.result).toBe("drifted");
    expect(third.environment.driftedSince).toEqual(second.environment.driftedSince);
    expect(await driftNotifications(environmentId)).toHaveLength(2);

    // A deleted resource is new drift: reported missing, and told.
    const deleted = await causeDrift(sim.cloud, { environmentId, kind: "delete" });
    const fourth = await check(environmentId);
    expect((fourth.check.report as DriftReport).resources).toContainEqual(
      expect.objectContaining({ kind: "missing", providerId: deleted[0]!.resourceId }),
    );
    expect(await driftNotifications(environmentId)).toHaveLength(4);
  });

  it("fails the check when the cloud cannot be read: never drifted, reason kept, next check sooner", async () => {
    const environmentId = await provision();
    await sim.cloud.configure({ faults: { errorRate: { list: 1 } } });
    try {
      const failed = await check(environmentId);
      expect(failed.check.result).toBe("failed");
      expect(failed.check.failureReason).toMatch(/InternalError|internal|try again/i);
      expect(failed.environment).toMatchObject({ driftStatus: "failed", driftedSince: null, driftFailures: 1 });
      expect(failed.environment.driftNextCheckAt!.getTime()).toBeLessThanOrEqual(Date.now() + 5 * 60_000 + 1_000);
      const [run] = await db.select().from(runs).where(eq(runs.environmentId, environmentId)).orderBy(desc(runs.queuedAt)).limit(1);
      expect(run!.status).toBe("failed");
    } finally {
      await sim.cloud.configure({ faults: { errorRate: 0 } });
    }
    expect((await check(environmentId)).environment).toMatchObject({ driftStatus: "in_sync", driftFailures: 0 });
  });

  it("asks a whole-environment engine for its own report, and fails the check of one that cannot read drift", async () => {
    const environmentId = await provision();
    const report: DriftReport = { resources: [{ kind: "missing", address: "queue", type: "terraform_data", providerId: null }] };
    const reads: string[] = [];
    const withCheck: Engine = {
      ...sim,
      applyAll: async () => ({ resources: [], outputs: {}, sensitiveOutputs: {} }),
      checkDrift: async (_ctx, spec) => {
        reads.push(spec.environmentId);
        return report;
      },
    };
    const drifted = await check(environmentId, withCheck);
    expect(reads).toEqual([environmentId]);
    expect(drifted.check).toMatchObject({ result: "drifted", report });

    const without: Engine = { ...withCheck, checkDrift: undefined };
    const failed = await check(environmentId, without);
    expect(failed.check).toMatchObject({ result: "failed", failureReason: "this engine cannot read drift yet" });
    // A failed check keeps what was known: still drifted since then.
    expect(failed.environment.driftedSince).toEqual(drifted.environment.driftedSince);
  });
});

describe("reconcile (sim)", () => {
  it("puts a changed, stripped and deleted resource back through an approval, and the next check is in sync", async () => {
    const environmentId = await provision();
    await check(environmentId);
    const changed = await causeDrift(sim.cloud, { environmentId, kind: "property" });
    await causeDrift(sim.cloud, { environmentId, kind: "tag" });
    const deleted = await causeDrift(sim.cloud, { environmentId, kind: "delete" });
    expect((await check(environmentId)).check.result).toBe("drifted");

    const owner = await callerFor(db, ownerId);
    const approver = await callerFor(db, approverId);
    await expect(owner.drift.requestReconcile({ environmentId, reason: "short" })).rejects.toThrow(/reason/);
    const asked = await owner.drift.requestReconcile({ environmentId, reason: "Undo the console change to the bastion" });
    expect(asked.status).toBe("pending_approval");
    await expect(owner.drift.requestReconcile({ environmentId, reason: "Undo the console change, again" })).rejects.toThrow(/already asks/);
    // A drift check queued meanwhile holds the environment: approving waits for it (one run at a time).
    const racing = await createRun(db, { environmentId, kind: "drift" });
    await expect(approver.approvals.decide({ requestId: asked.requestId, expectedVersion: 1, decision: "approved", comment: "" })).rejects.toThrow(
      /run in progress/,
    );
    await executeRun(db, racing!.id, runner());
    await approver.approvals.decide({ requestId: asked.requestId, expectedVersion: 1, decision: "approved", comment: "ok" });
    const [reconcile] = await db
      .select()
      .from(runs)
      .where(and(eq(runs.environmentId, environmentId), eq(runs.kind, "reconcile")));
    expect(reconcile!.status).toBe("queued");
    expect(await executeRun(db, reconcile!.id, runner())).toBe("succeeded");

    // The property is back, the deleted resource exists again, and the confirming check says in sync.
    const live = await sim.cloud.inventory({ tags: { "environment-id": environmentId } });
    const liveOfChanged = live.filter((r) => r.type === changed[0]!.type && r.state !== "deleted");
    expect(liveOfChanged.map((r) => r.properties.instance_type)).toEqual(liveOfChanged.map(() => "t3.micro"));
    expect(liveOfChanged.length).toBeGreaterThan(0);
    const deletedType = deleted[0]!.type;
    expect(live.filter((r) => r.type === deletedType && r.state !== "deleted").length).toBeGreaterThan(0);
    const [confirm] = await db
      .select()
      .from(runs)
      .where(and(eq(runs.environmentId, environmentId), eq(runs.kind, "drift"), eq(runs.status, "queued")));
    expect(await executeRun(db, confirm!.id, runner())).toBe("succeeded");
    const [environment] = await db.select().from(environments).where(eq(environments.id, environmentId));
    expect(environment).toMatchObject({ driftStatus: "in_sync", driftedSince: null });
    const told = await db
      .select()
      .from(notifications)
      .where(and(eq(notifications.kind, "environment_reconciled"), eq(notifications.link, `/environments/${environmentId}`)));
    expect(told.map((n) => n.userId).sort()).toEqual([ownerId, approverId].sort());
  });
});

describe("drift figures (M4, M9) and metrics", () => {
  it("counts each new drift once, and the share not explained by a failed portal run", async () => {
    const environmentId = await provision();
    const range = { from: new Date(Date.now() - 60_000), to: new Date(Date.now() + 3_600_000), environmentId };
    await check(environmentId);
    await causeDrift(sim.cloud, { environmentId, kind: "tag" });
    await check(environmentId);
    await check(environmentId);
    await causeDrift(sim.cloud, { environmentId, kind: "property" });
    await check(environmentId);
    expect(await driftOccurrences(db, range)).toEqual({ occurrences: 2, environments: 1, byEngine: { sim: 2 } });
    expect(await unauthorizedChangeRate(db, range)).toEqual({ drifts: 2, unexplained: 2, rate: 1 });

    // A portal run that failed since the last check explains the next drift.
    await db.insert(runs).values({ environmentId, kind: "update", status: "failed", finishedAt: new Date(), error: "boom" });
    await causeDrift(sim.cloud, { environmentId, kind: "delete" });
    await check(environmentId);
    expect(await unauthorizedChangeRate(db, range)).toEqual({ drifts: 3, unexplained: 2, rate: 2 / 3 });

    const text = await createMetrics(db).scrape();
    expect(text).toMatch(/provisio_drift_checks_total\{engine="sim",result="drifted"\} [1-9]/);
    expect(text).toMatch(/provisio_environments_drifted\{tier="staging"\} [1-9]/);
    expect(text).toMatch(/provisio_drift_age_seconds\{tier="staging"\} [0-9.]+/);
  });
});
