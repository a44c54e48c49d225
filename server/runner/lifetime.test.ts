/**
 * Expiry from readiness (server/core/lifetime.ts): a request edited after submission and
 * approved late is provisioned with the real sim engine; its lifetime counts from the apply, not
 * from submission, and the `expires-at` tag every resource carries in the simulator equals the
 * environment row's expiry.
 */
import { randomUUID } from "node:crypto";
import path from "node:path";
import { eq, sql } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import type { Database } from "~/db/client";
import { environmentResources, environments, requests, runs } from "~/db/schema";
import { expiresAtFrom, HOUR_MS } from "~/server/core/lifetime";
import { quietSimConfig } from "~/server/engines/sim/cloud";
import { createSimEngine, type SimEngine } from "~/server/engines/sim/engine";
import { syncTemplates } from "~/server/services/template-sync";
import { createTestDatabase } from "~/testing/db";
import { callerFor, makeTeam, makeUser } from "~/testing/fixtures";
import { executeRun } from "./execute";
import { startApply } from "./start-apply";

let db: Database;
let sim: SimEngine;
let teamId: string;
let dev: Awaited<ReturnType<typeof callerFor>>;
let approver: Awaited<ReturnType<typeof callerFor>>;

beforeAll(async () => {
  ({ db } = await createTestDatabase());
  await syncTemplates(db, path.resolve(import.meta.dirname, "../../templates"));
  sim = createSimEngine({ db, config: quietSimConfig });
  const member = await makeUser(db);
  const approverUser = await makeUser(db);
  teamId = (
    await makeTeam(db, [
      { userId: member.id, role: "member" },
      { userId: approverUser.id, role: "approver" },
    ])
  ).id;
  dev = await callerFor(db, member.id);
  approver = await callerFor(db, approverUser.id);
});

describe("expiresAtFrom", () => {
  it("adds the TTL to the start, and refuses a TTL that is not a positive number of hours", () => {
    const start = new Date("2030-01-01T00:00:00.000Z");
    expect(expiresAtFrom(start, 36).toISOString()).toBe("2030-01-02T12:00:00.000Z");
    for (const bad of [0, -1, Number.NaN]) expect(() => expiresAtFrom(start, bad)).toThrow(/ttlHours must be a positive number of hours/);
  });
});

describe("an environment's lifetime", () => {
  it("counts from the apply of a request edited and approved late, and every resource's expires-at tag equals the row", async () => {
    const draft = {
      teamId,
      templateName: "bastion-host",
      tier: "staging" as const,
      environmentName: `life-${randomUUID().slice(0, 6)}`,
      ttlHours: 24,
      parameters: {},
      justification: "Lifetime test",
    };
    const submitted = await dev.requests.submit({ ...draft, clientRequestId: randomUUID() });
    expect(submitted.status).toBe("pending_approval");
    // Edited: the plan is evaluated again (its expires-at estimate moves), then approval takes ten hours.
    const edited = await dev.requests.update({
      requestId: submitted.id,
      expectedVersion: 1,
      tier: draft.tier,
      environmentName: draft.environmentName,
      ttlHours: 48,
      parameters: {},
      justification: "Lifetime test, two days",
    });
    await db
      .update(requests)
      .set({ submittedAt: sql`${requests.submittedAt} - interval '10 hours'`, createdAt: sql`${requests.createdAt} - interval '10 hours'` })
      .where(eq(requests.id, submitted.id));
    const [request] = await db.select().from(requests).where(eq(requests.id, submitted.id));
    expect(request).toMatchObject({ status: edited.status, ttlHours: 48, version: 2 });
    await approver.approvals.decide({ requestId: submitted.id, expectedVersion: request!.version, decision: "approved", comment: "" });

    const before = Date.now();
    const runId = await startApply(db, submitted.id);
    expect(await executeRun(db, runId!, { workerId: "lifetime-test", engines: () => sim })).toBe("succeeded");
    const after = Date.now();

    const [environment] = await db.select().from(environments).where(eq(environments.requestId, submitted.id));
    const [run] = await db.select().from(runs).where(eq(runs.id, runId!));
    const expiresAt = environment!.expiresAt.getTime();
    // From the apply (48 h, the edited TTL), not from submission ten hours earlier.
    expect(expiresAt).toBeGreaterThanOrEqual(before - 1 + 48 * HOUR_MS);
    expect(expiresAt).toBeLessThanOrEqual(after + 48 * HOUR_MS);
    expect(Math.abs(expiresAt - (run!.startedAt!.getTime() + 48 * HOUR_MS))).toBeLessThan(5_000);
    expect(expiresAt - (request!.submittedAt.getTime() + 48 * HOUR_MS)).toBeGreaterThan(9 * HOUR_MS);
    // Readiness came after the apply started, within the apply's own duration.
    expect(environment!.readyAt!.getTime() + 48 * HOUR_MS - expiresAt).toBeGreaterThanOrEqual(0);
    expect(environment!.readyAt!.getTime() + 48 * HOUR_MS - expiresAt).toBeLessThan(after - before + 1_000);

    // Tag == row, as the simulator itself reports every resource, and in our records.
    const wanted = environment!.expiresAt.toISOString();
    const live = await sim.cloud.inventory({ tags: { "environment-id": environment!.id } });
    expect(live.length).toBe(5);
    expect(live.map((r) => r.tags["expires-at"])).toEqual(live.map(() => wanted));
    const rows = await db.select().from(environmentResources).where(eq(environmentResources.environmentId, environment!.id));
    expect(rows.map((r) => r.tags["expires-at"])).toEqual(rows.map(() => wanted));

    // Extension limits count the same lifetime: from the apply, so the ten hours of waiting are not charged.
    const preview = await dev.extensions.preview({ environmentId: environment!.id, hours: 24 });
    expect(environment!.createdAt.getTime()).toBe(expiresAt - 48 * HOUR_MS);
    expect(preview.lifetimeHoursAfter).toBe(72);
    expect(preview.maxExpiresAt.getTime()).toBe(expiresAtFrom(environment!.createdAt, preview.maxTtlHours).getTime());
  });
});
