/**
 * Accepting drift (sim): a property the template sets from a parameter becomes the desired value
 * through a day-2 update request (policy, approval, update run), and the check that follows is in
 * sync; drift that is not parameter-driven (a literal property, a tag) is not accepted, says why,
 * and changes nothing.
 */
import { randomUUID } from "node:crypto";
import { and, eq } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import type { Database } from "~/db/client";
import { environments, requests } from "~/db/schema";
import { causeDrift } from "~/server/engines/sim/chaos";
import type { SimEngine } from "~/server/engines/sim/engine";
import { createTestDatabase } from "~/testing/db";
import { driftWorld, type DriftWorld } from "~/testing/drift";
import { callerFor } from "~/testing/fixtures";
import { runQueued } from "~/testing/runs";

let db: Database;
let sim: SimEngine;
let ownerId: string;
let approverId: string;
let runner: DriftWorld["runner"];
let readyBastion: () => Promise<string>;
/** A drift check; the environment after it. */
let check: (environmentId: string) => Promise<typeof environments.$inferSelect>;

beforeAll(async () => {
  ({ db } = await createTestDatabase());
  const world = await driftWorld(db);
  ({ sim, ownerId, approverId, runner } = world);
  readyBastion = () => world.readyBastion("accept");
  check = async (environmentId) => (await world.checkDrift(environmentId)).environment;
});

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
