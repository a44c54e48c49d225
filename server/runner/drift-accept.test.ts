/**
 * Accepting drift (sim): a property the template sets from a parameter becomes the desired value
 * through a day-2 update request (policy, approval, update run), and the check that follows is in
 * sync; drift that is not parameter-driven (a literal property, a tag) is not accepted, says why,
 * and changes nothing.
 */
import { randomUUID } from "node:crypto";
import path from "node:path";
import { and, eq } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import type { Database } from "~/db/client";
import { environments, requests } from "~/db/schema";
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
let approverId: string;
let teamId: string;
const runner = () => ({ workerId: "accept-test", engines: () => sim, retry: { attempts: 2, baseMs: 1, maxMs: 2 } });

beforeAll(async () => {
  ({ db } = await createTestDatabase());
  await syncTemplates(db, path.resolve(import.meta.dirname, "../../templates"));
  sim = createSimEngine({ db, config: quietSimConfig });
  ownerId = (await makeUser(db)).id;
  approverId = (await makeUser(db)).id;
  teamId = (
    await makeTeam(db, [
      { userId: ownerId, role: "member" },
      { userId: approverId, role: "approver" },
    ])
  ).id;
});

/** A ready staging bastion (instance_type t3.micro from its parameter, disk_gb a literal 16). */
async function readyBastion(): Promise<string> {
  const owner = await callerFor(db, ownerId);
  const submitted = await owner.requests.submit({
    teamId,
    templateName: "bastion-host",
    tier: "staging",
    environmentName: `accept-${randomUUID().slice(0, 6)}`,
    ttlHours: 24,
    parameters: {},
    justification: "Accept drift test",
    clientRequestId: randomUUID(),
  });
  const approver = await callerFor(db, approverId);
  await approver.approvals.decide({ requestId: submitted.id, expectedVersion: 1, decision: "approved", comment: "" });
  expect(await executeRun(db, (await startApply(db, submitted.id))!, runner())).toBe("succeeded");
  const [environment] = await db.select().from(environments).where(eq(environments.requestId, submitted.id));
  return environment!.id;
}

async function check(environmentId: string) {
  const run = await createRun(db, { environmentId, kind: "drift" });
  await executeRun(db, run!.id, runner());
  const [environment] = await db.select().from(environments).where(eq(environments.id, environmentId));
  return environment!;
}

describe("accepting drift (sim)", () => {
  it("turns a parameter-driven change into an update request; once applied, the next check is in sync", async () => {
    const environmentId = await readyBastion();
    expect((await check(environmentId)).driftStatus).toBe("in_sync");
    const changed = await causeDrift(sim.cloud, { environmentId, kind: "property" });
    expect(changed[0]!.detail).toBe('instance_type set to "t3.small"');
    expect((await check(environmentId)).driftStatus).toBe("drifted");

    const owner = await callerFor(db, ownerId);
    const panel = await owner.drift.get({ environmentId });
    expect(panel.accept).toMatchObject({ acceptable: true, parameters: { instance_type: "t3.small" } });
    expect(panel.can.accept).toBe(true);
    await expect(owner.drift.accept({ environmentId, reason: "short", clientRequestId: randomUUID() })).rejects.toThrow(/reason/);

    const clientRequestId = randomUUID();
    const asked = await owner.drift.accept({ environmentId, reason: "The bigger bastion is what the team needs now", clientRequestId });
    expect(asked).toMatchObject({ status: "pending_approval", duplicate: false, parameters: { instance_type: "t3.small" } });
    // The same submit again is the same request, not a second one.
    expect(await owner.drift.accept({ environmentId, reason: "The bigger bastion is what the team needs now", clientRequestId })).toMatchObject({
      requestId: asked.requestId,
      duplicate: true,
    });
    const [request] = await db.select().from(requests).where(eq(requests.id, asked.requestId));
    expect(request).toMatchObject({ kind: "update", environmentId, status: "pending_approval" });
    expect(request!.parameters).toMatchObject({ instance_type: "t3.small" });
    expect(request!.justification).toMatch(/^Accept drift \(instance_type = t3\.small\): /);

    // Through the update policy: the staging tier's team approval, then the update run; a drift check follows it.
    const approver = await callerFor(db, approverId);
    await approver.approvals.decide({ requestId: asked.requestId, expectedVersion: request!.version, decision: "approved", comment: "" });
    await runQueued(db, environmentId, "update", runner());
    await runQueued(db, environmentId, "drift", runner());
    const [environment] = await db.select().from(environments).where(eq(environments.id, environmentId));
    expect(environment).toMatchObject({ driftStatus: "in_sync", driftedSince: null });
    expect(environment!.parameters).toMatchObject({ instance_type: "t3.small" });
    const live = await sim.cloud.inventory({ tags: { "environment-id": environmentId } });
    expect(live.find((r) => r.id === changed[0]!.resourceId)?.properties.instance_type).toBe("t3.small");
    expect((await owner.drift.get({ environmentId })).accept).toBeNull();
  });

  it("is not offered for a literal property or a tag: it says why, and a call is refused without a request", async () => {
    const environmentId = await readyBastion();
    const [bastion] = (await sim.cloud.inventory({ tags: { "environment-id": environmentId } })).filter((r) => r.type === "instance");
    await sim.cloud.update(bastion!.id, { properties: { ...bastion!.properties, disk_gb: 26 } });
    expect((await check(environmentId)).driftStatus).toBe("drifted");

    const owner = await callerFor(db, ownerId);
    const panel = await owner.drift.get({ environmentId });
    expect(panel.accept).toMatchObject({ acceptable: false });
    expect(panel.accept?.acceptable === false && panel.accept.why).toMatch(
      /bastion disk_gb cannot be accepted: the template sets this property to a fixed value/,
    );
    await expect(
      owner.drift.accept({ environmentId, reason: "Keep the bigger disk from the console", clientRequestId: randomUUID() }),
    ).rejects.toThrow(/cannot be accepted.*acknowledge/i);

    await causeDrift(sim.cloud, { environmentId, kind: "tag" });
    expect((await check(environmentId)).driftStatus).toBe("drifted");
    const tagged = await owner.drift.get({ environmentId });
    expect(tagged.accept?.items).toContainEqual(expect.objectContaining({ parameter: null, why: "tags are set by the portal's tag policy" }));
    const updates = await db
      .select()
      .from(requests)
      .where(and(eq(requests.environmentId, environmentId), eq(requests.kind, "update")));
    expect(updates).toEqual([]);
    // Acknowledging stays possible.
    await expect(owner.drift.acknowledge({ environmentId, reason: "Console change, kept until next sprint", hours: 24 })).resolves.toBeDefined();
  });
});
