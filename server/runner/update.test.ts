/**
 * Day-2 changes on the sim engine, end to end through the update service and the runner: a
 * resize in place, a replace (create-before-destroy), a failure in the middle of an update that
 * the rollback run puts back with no orphan and no duplicate, a failed replacement whose old
 * resource (and data) comes back, an interrupted update that resumes, and the refusals.
 */
import { randomUUID } from "node:crypto";
import path from "node:path";
import { and, eq, inArray, sql } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import type { Database } from "~/db/client";
import { auditEvents, runEvents, environments, requests, runs, simResources, templates, templateVersions } from "~/db/schema";
import type { Engine } from "~/server/engines/engine";
import { quietSimConfig } from "~/server/engines/sim/cloud";
import { createSimEngine, type SimEngine } from "~/server/engines/sim/engine";
import { executeRun } from "~/server/runner/execute";
import { startApply } from "~/server/runner/start-apply";
import { decideRequest } from "~/server/services/approvals";
import { getEnvironment } from "~/server/services/environments";
import { syncTemplates } from "~/server/services/template-sync";
import { versionColumns } from "~/server/services/template-versions";
import { templateFleet } from "~/server/services/fleet";
import { editUpdate, previewUpdate, requestUpdate } from "~/server/services/updates";
import { loadViewer, type Viewer } from "~/server/services/users";
import type { TemplateDocument } from "~/server/templates/format";
import { createTestDatabase } from "~/testing/db";
import { callerFor, makeTeam, makeUser } from "~/testing/fixtures";
import { liveInventory } from "~/testing/runs";

let db: Database;
let sim: SimEngine;
let teamId: string;
let owner: Viewer;
let approver: Viewer;
let approver2: Viewer;
const retry = { attempts: 2, baseMs: 1, maxMs: 2 };
const runner = (engine: Engine = sim, signal?: AbortSignal) => ({ workerId: "test-worker", engines: () => engine, retry, signal });

beforeAll(async () => {
  ({ db } = await createTestDatabase());
  await syncTemplates(db, path.resolve(import.meta.dirname, "../../templates"));
  sim = createSimEngine({ db, config: quietSimConfig });
  const [o, a, b] = await Promise.all([makeUser(db), makeUser(db), makeUser(db)]);
  teamId = (
    await makeTeam(db, [
      { userId: o.id, role: "member" },
      { userId: a.id, role: "approver" },
      { userId: b.id, role: "approver" },
    ])
  ).id;
  await db.execute(sql`update teams set monthly_budget_cents = 10000000 where id = ${teamId}`);
  owner = (await loadViewer(db, o.id))!;
  approver = (await loadViewer(db, a.id))!;
  approver2 = (await loadViewer(db, b.id))!;
});

/** A ready web-service environment of `tier` (dev auto-approves; others are approved by the two approvers). */
async function readyWebService(tier: "dev" | "staging" = "dev", parameters: Record<string, unknown> = {}) {
  const caller = await callerFor(db, owner.id);
  const { id: requestId } = await caller.requests.submit({
    teamId,
    templateName: "web-service",
    templateVersion: "1.0.0",
    tier,
    environmentName: `web-${randomUUID().slice(0, 6)}`,
    ttlHours: 48,
    parameters: { service_name: "shop", zones: 2, instances: 2, ...parameters },
    justification: "Day-2 tests need a live environment",
    clientRequestId: randomUUID(),
  });
  if (tier !== "dev") {
    const [r] = await db.select().from(requests).where(eq(requests.id, requestId));
    await decideRequest(db, approver, { requestId, expectedVersion: r!.version, decision: "approved", comment: "" });
  }
  const runId = await startApply(db, requestId);
  expect(await executeRun(db, runId!, runner())).toBe("succeeded");
  const [environment] = await db.select().from(environments).where(eq(environments.requestId, requestId));
  return environment!;
}

async function updateRun(environmentId: string, kind: "update" | "rollback" = "update") {
  const [run] = await db
    .select()
    .from(runs)
    .where(and(eq(runs.environmentId, environmentId), eq(runs.kind, kind), inArray(runs.status, ["queued", "running"])));
  return run;
}

/** The portal's live rows and the simulator's live resources of an environment: the same set, each once. */
async function inventory(environmentId: string) {
  const { rows, cloud, byAddress } = await liveInventory(db, environmentId);
  expect(cloud.map((c) => c.id).sort()).toEqual(rows.map((r) => r.providerId).sort());
  expect(new Set(rows.map((r) => r.address)).size).toBe(rows.length);
  return { rows, byAddress, cloud: new Map(cloud.map((c) => [c.id, c])) };
}

async function publish(templateName: string, version: string, change: (d: TemplateDocument) => void) {
  const [template] = await db.select().from(templates).where(eq(templates.name, templateName));
  const [latest] = await db
    .select()
    .from(templateVersions)
    .where(and(eq(templateVersions.templateId, template!.id), eq(templateVersions.version, "1.0.0")));
  const document = structuredClone(latest!.document as TemplateDocument);
  document.spec.version = version;
  change(document);
  await db
    .insert(templateVersions)
    .values({ templateId: template!.id, status: "published", source: "ui", publishedAt: new Date(), ...versionColumns(document, latest!.yaml, {}) })
    .onConflictDoNothing();
}

const change = (environmentId: string, input: Partial<Parameters<typeof requestUpdate>[2]> = {}) => ({
  environmentId,
  parameters: {},
  justification: "day-2 change",
  clientRequestId: randomUUID(),
  ...input,
});

describe("update preview", () => {
  it("shows a resize as an update in place with the cost delta per month and over the remaining lifetime", async () => {
    const env = await readyWebService();
    const preview = await previewUpdate(db, owner, { environmentId: env.id, parameters: { instance_type: "m5.large" } });
    const web = preview.diff.resources.find((r) => r.address === "web")!;
    expect(web.action).toBe("update");
    expect(web.changes).toEqual([{ property: "instance_type", from: "t3.medium", to: "m5.large", immutable: false }]);
    expect(preview.diff.resources.filter((r) => r.action !== "noop")).toHaveLength(1);
    expect(preview.cost.monthlyDeltaCents).toBeGreaterThan(0);
    expect(preview.cost.monthlyDeltaCents).toBe(preview.cost.monthlyCents - preview.cost.monthlyCentsBefore);
    expect(preview.cost.remainingDeltaCents).toBeGreaterThan(0);
    expect(preview.cost.remainingHours).toBeLessThanOrEqual(48);
    expect(preview.decision.outcome).toBe("auto_approved");
    expect(preview.needsConfirmation).toEqual([]);
  });

  it("shows an immutable property's change as replace, and what depends on it through an immutable property too", async () => {
    const env = await readyWebService();
    const image = await previewUpdate(db, owner, { environmentId: env.id, parameters: { image: "ubuntu-24.04" } });
    expect(image.diff.resources.find((r) => r.address === "web")).toMatchObject({ action: "replace", reason: "image cannot change in place" });
    const region = await previewUpdate(db, owner, { environmentId: env.id, parameters: { region: "us-east-1" } });
    expect(region.diff.resources.every((r) => r.action === "replace")).toBe(true);
    const zones = await previewUpdate(db, owner, { environmentId: env.id, parameters: { zones: 1 } });
    expect(zones.diff.counts).toMatchObject({ delete: 2 });
    expect(zones.diff.resources.find((r) => r.address === "lb")?.action).toBe("update");
  });

  it("refuses an environment that is not ready, an unknown or older version, a bad parameter and a change that changes nothing, naming the field", async () => {
    const env = await readyWebService();
    expect((await previewUpdate(db, owner, { environmentId: env.id, parameters: {} })).unchanged).toBe(true);
    await expect(requestUpdate(db, owner, change(env.id))).rejects.toMatchObject({
      field: "parameters",
      message: expect.stringMatching(/nothing to change/),
    });
    await expect(previewUpdate(db, owner, { environmentId: env.id, parameters: { instances: 99 } })).rejects.toMatchObject({
      field: "parameters.instances",
    });
    await expect(previewUpdate(db, owner, { environmentId: env.id, templateVersion: "9.9.9", parameters: {} })).rejects.toMatchObject({
      field: "templateVersion",
    });
    await db.update(environments).set({ status: "failed" }).where(eq(environments.id, env.id));
    await expect(previewUpdate(db, owner, { environmentId: env.id, parameters: { instances: 3 } })).rejects.toMatchObject({
      kind: "conflict",
      field: "environmentId",
    });
  });

  it("hides another team's environment as not found", async () => {
    const env = await readyWebService();
    const stranger = (await loadViewer(db, (await makeUser(db)).id))!;
    await makeTeam(db, [{ userId: stranger.id, role: "approver" }]);
    await expect(
      previewUpdate(db, (await loadViewer(db, stranger.id))!, { environmentId: env.id, parameters: { instances: 3 } }),
    ).rejects.toMatchObject({
      kind: "not_found",
    });
  });
});

describe("update runs on the sim engine", () => {
  it("resizes in place: same resource, new size, the environment row records the new parameters", async () => {
    const env = await readyWebService();
    const before = await inventory(env.id);
    const submitted = await requestUpdate(db, owner, change(env.id, { parameters: { instance_type: "m5.large", instances: 3 } }));
    expect(submitted.status).toBe("queued");
    const run = await updateRun(env.id);
    expect(await executeRun(db, run!.id, runner())).toBe("succeeded");
    const after = await inventory(env.id);
    const web = after.byAddress.get("web")!;
    expect(web.providerId).toBe(before.byAddress.get("web")!.providerId);
    expect(after.cloud.get(web.providerId!)?.properties).toMatchObject({ instance_type: "m5.large", size: 3 });
    const [row] = await db.select().from(environments).where(eq(environments.id, env.id));
    expect(row!.parameters).toMatchObject({ instance_type: "m5.large", instances: 3 });
    expect(row!.status).toBe("ready");
    const [request] = await db.select().from(requests).where(eq(requests.id, submitted.requestId));
    expect(request!.status).toBe("applied");
    const actions = (await db.select().from(auditEvents).where(eq(auditEvents.subjectId, env.id))).map((a) => a.action);
    expect(actions).toEqual(expect.arrayContaining(["environment.update_requested", "environment.updated"]));
  });

  it("replaces create-before-destroy: a new resource under the address, the old one deleted, nothing else touched", async () => {
    const env = await readyWebService();
    const before = await inventory(env.id);
    await requestUpdate(db, owner, change(env.id, { parameters: { image: "ubuntu-24.04" } }));
    const run = await updateRun(env.id);
    expect(await executeRun(db, run!.id, runner())).toBe("succeeded");
    const after = await inventory(env.id);
    const oldId = before.byAddress.get("web")!.providerId!;
    const newWeb = after.byAddress.get("web")!;
    expect(newWeb.providerId).not.toBe(oldId);
    expect(after.cloud.get(newWeb.providerId!)?.properties).toMatchObject({ image: "ubuntu-24.04" });
    const [old] = await db.select().from(simResources).where(eq(simResources.id, oldId));
    expect(old!.deletedAt).not.toBeNull();
    // The new one existed before the old one went.
    expect(old!.deletedAt!.getTime()).toBeGreaterThanOrEqual(after.cloud.get(newWeb.providerId!)!.createdAt.getTime());
    for (const address of ["network", "lb", "nat"]) expect(after.byAddress.get(address)!.providerId).toBe(before.byAddress.get(address)!.providerId);
  });

  it("rolls a failure in the middle back: what the update created is gone, what it changed is back, no orphan, no duplicate", async () => {
    const env = await readyWebService();
    const before = await inventory(env.id);
    await sim.cloud.configure({ faults: { insufficientCapacity: ["c5.xlarge"] } });
    try {
      // More zones (new subnets, the load balancer updated in place), then the group's resize fails.
      const submitted = await requestUpdate(db, owner, change(env.id, { parameters: { zones: 3, instance_type: "c5.xlarge" } }));
      const run = await updateRun(env.id);
      expect(await executeRun(db, run!.id, runner())).toBe("failed");
      if (process.env.DEBUG_UPDATE)
        console.log((await db.select().from(runEvents).where(eq(runEvents.runId, run!.id))).map((e) => e.message).join("\n"));
      const [request] = await db.select().from(requests).where(eq(requests.id, submitted.requestId));
      expect(request!.status).toBe("failed");
      const rollback = await updateRun(env.id, "rollback");
      expect(rollback).toBeDefined();
      const outcome = await executeRun(db, rollback!.id, runner());
      const [failed] = await db.select({ error: runs.error }).from(runs).where(eq(runs.id, rollback!.id));
      expect({ outcome, error: failed!.error }).toEqual({ outcome: "succeeded", error: null });
    } finally {
      await sim.cloud.configure({ faults: { insufficientCapacity: [] } });
    }
    const after = await inventory(env.id);
    expect([...after.byAddress.keys()].sort()).toEqual([...before.byAddress.keys()].sort());
    for (const [address, row] of before.byAddress) {
      expect(after.byAddress.get(address)!.providerId).toBe(row.providerId);
      expect(after.cloud.get(row.providerId!)!.properties).toEqual(before.cloud.get(row.providerId!)!.properties);
    }
    const [row] = await db.select().from(environments).where(eq(environments.id, env.id));
    expect(row!.status).toBe("ready");
    expect(row!.parameters).toBeNull();
    expect(row!.failureSummary).toMatch(/failed.*Rolled back to 1\.0\.0: .*new resources deleted/s);
    const actions = (await db.select().from(auditEvents).where(eq(auditEvents.subjectId, env.id))).map((a) => a.action);
    expect(actions).toEqual(expect.arrayContaining(["environment.update_failed", "environment.rolled_back"]));
  });

  it("brings a replaced resource back when its replacement fails: the old one keeps its address and id", async () => {
    const env = await readyWebService();
    const before = await inventory(env.id);
    await sim.cloud.configure({ faults: { insufficientCapacity: ["c5.large"] } });
    try {
      await requestUpdate(db, owner, change(env.id, { parameters: { image: "ubuntu-24.04", instance_type: "c5.large" } }));
      expect(await executeRun(db, (await updateRun(env.id))!.id, runner())).toBe("failed");
      expect(await executeRun(db, (await updateRun(env.id, "rollback"))!.id, runner())).toBe("succeeded");
    } finally {
      await sim.cloud.configure({ faults: { insufficientCapacity: [] } });
    }
    const after = await inventory(env.id);
    expect(after.byAddress.get("web")!.providerId).toBe(before.byAddress.get("web")!.providerId);
    expect(after.rows).toHaveLength(before.rows.length);
  });

  it("resumes an interrupted update without making anything twice", async () => {
    const env = await readyWebService();
    const before = await inventory(env.id);
    const stop = new AbortController();
    let applies = 0;
    // The worker stops right after the first resource the update makes or changes.
    const stopping: Engine = {
      ...sim,
      plan: sim.plan,
      read: (ctx) => sim.read(ctx),
      destroy: (ctx, r) => sim.destroy(ctx, r),
      apply: async (ctx, d, e) => {
        const result = await sim.apply(ctx, d, e);
        if (++applies === 1) stop.abort(new Error("worker stopping"));
        return result;
      },
    };
    await requestUpdate(db, owner, change(env.id, { parameters: { zones: 3, image: "ubuntu-24.04" } }));
    const run = await updateRun(env.id);
    expect(await executeRun(db, run!.id, runner(stopping, stop.signal))).toBe("handed_back");
    expect(await executeRun(db, run!.id, runner())).toBe("succeeded");
    const after = await inventory(env.id);
    expect(after.rows).toHaveLength(before.rows.length + 2);
    expect(after.byAddress.get("web")!.providerId).not.toBe(before.byAddress.get("web")!.providerId);
  });
});

describe("update requests and policy", () => {
  it("refuses a second open update of the same environment with a clear message", async () => {
    const env = await readyWebService("staging");
    const first = await requestUpdate(db, owner, change(env.id, { parameters: { instances: 3 } }));
    expect(first.status).toBe("pending_approval");
    await expect(requestUpdate(db, owner, change(env.id, { parameters: { instances: 4 } }))).rejects.toMatchObject({
      kind: "conflict",
      message: expect.stringMatching(new RegExp(`${first.number} already changes`)),
    });
    const [row] = await db.select({ clientRequestId: requests.clientRequestId }).from(requests).where(eq(requests.id, first.requestId));
    const retried = await requestUpdate(db, owner, { ...change(env.id, { parameters: { instances: 3 } }), clientRequestId: row!.clientRequestId });
    expect(retried).toMatchObject({ requestId: first.requestId, duplicate: true });
  });

  it("needs the tier's approval on staging; the approval queues the update run; separation of duties holds", async () => {
    const env = await readyWebService("staging");
    const submitted = await requestUpdate(db, approver, change(env.id, { parameters: { instances: 3 } }));
    const [pending] = await db.select().from(requests).where(eq(requests.id, submitted.requestId));
    await expect(
      decideRequest(db, approver, { requestId: pending!.id, expectedVersion: pending!.version, decision: "approved", comment: "" }),
    ).rejects.toMatchObject({
      kind: "forbidden",
    });
    const decided = await decideRequest(db, approver2, {
      requestId: pending!.id,
      expectedVersion: pending!.version,
      decision: "approved",
      comment: "ok",
    });
    expect(decided.status).toBe("queued");
    expect(await updateRun(env.id)).toBeDefined();
  });

  it("clears approvals when a pending update is edited", async () => {
    await publish("web-service", "1.0.5", (d) => {
      d.spec.policy.updates = { approvals: { staging: [{ from: "team_approver", count: 2 }] }, autoApplyDecreases: [] };
    });
    const env = await readyWebService("staging");
    const submitted = await requestUpdate(db, owner, change(env.id, { templateVersion: "1.0.5", parameters: { instances: 3 } }));
    const [pending] = await db.select().from(requests).where(eq(requests.id, submitted.requestId));
    expect(pending!.status).toBe("pending_approval");
    const first = await decideRequest(db, approver, { requestId: pending!.id, expectedVersion: pending!.version, decision: "approved", comment: "" });
    expect(first.complete).toBe(false);
    const edited = await editUpdate(db, owner, {
      requestId: pending!.id,
      expectedVersion: pending!.version,
      templateVersion: "1.0.5",
      parameters: { instances: 4 },
      justification: "a bit more",
    });
    expect(edited.approvalsCleared).toBe(1);
    expect(edited.status).toBe("pending_approval");
  });

  it("offers the requester's pending change for editing on the environment page, with the approvals an edit would clear", async () => {
    await publish("web-service", "1.0.5", (d) => {
      d.spec.policy.updates = { approvals: { staging: [{ from: "team_approver", count: 2 }] }, autoApplyDecreases: [] };
    });
    const env = await readyWebService("staging");
    expect((await getEnvironment(db, owner, env.id)).pendingChange).toBeNull();
    const submitted = await requestUpdate(db, owner, change(env.id, { templateVersion: "1.0.5", parameters: { instances: 3 } }));
    const [pending] = await db.select().from(requests).where(eq(requests.id, submitted.requestId));
    await decideRequest(db, approver, { requestId: pending!.id, expectedVersion: pending!.version, decision: "approved", comment: "" });
    const offered = (await getEnvironment(db, owner, env.id)).pendingChange;
    expect(offered).toMatchObject({
      requestId: pending!.id,
      label: submitted.number,
      expectedVersion: pending!.version,
      templateVersion: "1.0.5",
      parameters: expect.objectContaining({ instances: 3, instance_type: "t3.medium" }),
      justification: "day-2 change",
      liveApprovals: 1,
    });
    // Only its requester edits it: the approvers see no such offer.
    expect((await getEnvironment(db, approver, env.id)).pendingChange).toBeNull();
    // The offered version is the one an edit must match; the edit clears the approval.
    const edited = await editUpdate(db, owner, {
      requestId: offered!.requestId,
      expectedVersion: offered!.expectedVersion,
      templateVersion: "1.0.5",
      parameters: { instances: 4 },
      justification: "a bit more",
    });
    expect(edited).toMatchObject({ approvalsCleared: 1, status: "pending_approval" });
    expect((await getEnvironment(db, owner, env.id)).pendingChange).toMatchObject({
      liveApprovals: 0,
      parameters: expect.objectContaining({ instances: 4 }),
      justification: "a bit more",
    });
  });

  it("shows the sizes of the last applied change on the environment page", async () => {
    const env = await readyWebService();
    const web = async () => (await getEnvironment(db, owner, env.id)).resources.find((r) => r.address === "web")?.size;
    expect(await web()).toBe("2 × t3.medium");
    await requestUpdate(db, owner, change(env.id, { parameters: { instance_type: "m5.large", instances: 3 } }));
    expect(await executeRun(db, (await updateRun(env.id))!.id, runner())).toBe("succeeded");
    expect(await web()).toBe("3 × m5.large");
  });

  it("auto-applies a change that only lowers size where the template's update policy says so", async () => {
    await publish("web-service", "1.0.6", (d) => {
      d.spec.policy.updates = { autoApplyDecreases: ["staging"] };
    });
    const env = await readyWebService("staging", { instances: 3 });
    const up = await previewUpdate(db, owner, { environmentId: env.id, templateVersion: "1.0.6", parameters: { instances: 4 } });
    expect(up.decision.outcome).toBe("needs_approval");
    const down = await requestUpdate(db, owner, change(env.id, { templateVersion: "1.0.6", parameters: { instances: 2 } }));
    expect(down.status).toBe("queued");
  });

  it("allows an older version only as an explicit rollback by an approver, and refuses a deprecated template", async () => {
    await publish("web-service", "1.0.1", () => undefined);
    const env = await readyWebService();
    await requestUpdate(db, owner, change(env.id, { templateVersion: "1.0.1" }));
    expect(await executeRun(db, (await updateRun(env.id))!.id, runner())).toBe("succeeded");
    await expect(previewUpdate(db, owner, { environmentId: env.id, templateVersion: "1.0.0", parameters: {} })).rejects.toMatchObject({
      field: "templateVersion",
      message: expect.stringMatching(/only allowed as an explicit rollback/),
    });
    await expect(previewUpdate(db, approver, { environmentId: env.id, templateVersion: "1.0.0", parameters: {} })).rejects.toMatchObject({
      field: "templateVersion",
    });
    const back = await previewUpdate(db, approver, { environmentId: env.id, templateVersion: "1.0.0", parameters: {}, rollback: true });
    expect(back.plan.rollback).toBe(true);
    await db.execute(sql`update templates set deprecated_at = now(), deprecation_reason = 'use web-service-v2' where name = 'web-service'`);
    try {
      await expect(previewUpdate(db, owner, { environmentId: env.id, templateVersion: "1.0.5", parameters: {} })).rejects.toMatchObject({
        field: "templateVersion",
        message: expect.stringMatching(/deprecated.*web-service-v2/),
      });
    } finally {
      await db.execute(sql`update templates set deprecated_at = null, deprecation_reason = null where name = 'web-service'`);
    }
  });
});

describe("fleet view", () => {
  it("counts environments per version and those behind; approvers see their teams, members are refused", async () => {
    const env = await readyWebService();
    const fleet = await templateFleet(db, approver, "web-service");
    expect(fleet.environments.every((e) => e.teamId === teamId)).toBe(true);
    const mine = fleet.environments.find((e) => e.id === env.id)!;
    expect(mine).toMatchObject({ version: "1.0.0", behind: true, ownerName: owner.name, tier: "dev" });
    expect(fleet.latestVersion).not.toBe("1.0.0");
    expect(fleet.versions.find((v) => v.version === "1.0.0")!.environments).toBe(fleet.environments.filter((e) => e.version === "1.0.0").length);
    expect(fleet.behind).toBe(fleet.environments.filter((e) => e.behind).length);
    await expect(templateFleet(db, owner, "web-service")).rejects.toMatchObject({ kind: "forbidden" });
    const elsewhere = await makeUser(db);
    await makeTeam(db, [{ userId: elsewhere.id, role: "approver" }]);
    expect((await templateFleet(db, (await loadViewer(db, elsewhere.id))!, "web-service")).environments).toEqual([]);
  });
});
