/**
 * The TTL sweep with a controllable clock: each sweep is given its `now`, so a day of an
 * environment's life is walked through in milliseconds, against real PostgreSQL, the real
 * runner and the simulator.
 */
import { randomUUID } from "node:crypto";
import path from "node:path";
import { and, eq, isNull } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import type { Database } from "~/db/client";
import { auditEvents, costRecords, environments, notifications, requests, runs, webhookDeliveries } from "~/db/schema";
import { quietSimConfig } from "~/server/engines/sim/cloud";
import { createSimEngine, type SimEngine } from "~/server/engines/sim/engine";
import { executeRun } from "~/server/runner/execute";
import { startApply } from "~/server/runner/start-apply";
import { createWebhook } from "~/server/services/webhooks";
import { syncTemplates } from "~/server/services/template-sync";
import { createTestDatabase } from "~/testing/db";
import { callerFor, makeTeam, makeUser } from "~/testing/fixtures";
import { sweepExpiry } from "./expiry";

const HOUR = 3_600_000;
let db: Database;
let sim: SimEngine;
let teamId: string;
let ownerId: string;
let owner: Awaited<ReturnType<typeof callerFor>>;
const runner = () => ({ workerId: "test-worker", engines: () => sim });

beforeAll(async () => {
  ({ db } = await createTestDatabase());
  await syncTemplates(db, path.resolve(import.meta.dirname, "../../templates"));
  sim = createSimEngine({ db, config: quietSimConfig });
  const user = await makeUser(db);
  ownerId = user.id;
  teamId = (await makeTeam(db, [{ userId: user.id, role: "member" }])).id;
  owner = await callerFor(db, user.id);
  await createWebhook(
    db,
    { id: null, label: "system" },
    { teamId, url: "https://hooks.example.test/ttl", events: ["dev.provisio.environment.expiring", "dev.provisio.environment.expired"] },
    { allowLocal: true },
  );
});

async function readyEnvironment(ttlHours = 24) {
  const { id: requestId } = await owner.requests.submit({
    teamId,
    templateName: "bastion-host",
    tier: "dev",
    environmentName: `ttl-${randomUUID().slice(0, 6)}`,
    ttlHours,
    parameters: {},
    justification: "TTL sweep tests need a live environment",
    clientRequestId: randomUUID(),
  });
  const runId = await startApply(db, requestId);
  expect(await executeRun(db, runId!, runner())).toBe("succeeded");
  const [environment] = await db.select().from(environments).where(eq(environments.requestId, requestId));
  return environment!;
}

const at = (expiresAt: Date, offsetMs: number) => new Date(expiresAt.getTime() + offsetMs);
const remindersOf = (environmentId: string, report: Awaited<ReturnType<typeof sweepExpiry>>) =>
  report.reminders.filter((r) => r.environmentId === environmentId).map((r) => r.kind);
const notesOf = (kind: string) =>
  db
    .select()
    .from(notifications)
    .where(and(eq(notifications.userId, ownerId), eq(notifications.kind, kind)));

describe("expiry reminders", () => {
  it("sends the 24 h and the 1 h reminder once each, in-app and as webhook events", async () => {
    const environment = await readyEnvironment();
    const expiresAt = environment.expiresAt;
    expect(remindersOf(environment.id, await sweepExpiry(db, at(expiresAt, -30 * HOUR)))).toEqual([]);
    expect(remindersOf(environment.id, await sweepExpiry(db, at(expiresAt, -23 * HOUR)))).toEqual(["24h"]);
    expect(remindersOf(environment.id, await sweepExpiry(db, at(expiresAt, -22 * HOUR)))).toEqual([]);
    expect(remindersOf(environment.id, await sweepExpiry(db, at(expiresAt, -50 * 60_000)))).toEqual(["1h"]);
    // Two workers sweeping at the same moment send nothing twice.
    const [a, b] = await Promise.all([sweepExpiry(db, at(expiresAt, -40 * 60_000)), sweepExpiry(db, at(expiresAt, -40 * 60_000))]);
    expect([...remindersOf(environment.id, a), ...remindersOf(environment.id, b)]).toEqual([]);

    const notes = (await notesOf("environment_expiring")).filter((n) => n.title.startsWith(environment.name));
    expect(notes.map((n) => n.title).sort()).toEqual([`${environment.name} expires in 23 hours`, `${environment.name} expires in 50 minutes`]);
    expect(notes.every((n) => n.link === `/environments/${environment.id}`)).toBe(true);
    const deliveries = await db.select().from(webhookDeliveries).where(eq(webhookDeliveries.eventType, "dev.provisio.environment.expiring"));
    expect(deliveries.filter((d) => JSON.stringify(d.payload).includes(environment.id))).toHaveLength(2);
  });

  it("sends only the 1 h reminder when the sweep first sees the environment in its last hour", async () => {
    const environment = await readyEnvironment();
    expect(remindersOf(environment.id, await sweepExpiry(db, at(environment.expiresAt, -30 * 60_000)))).toEqual(["1h"]);
    expect(remindersOf(environment.id, await sweepExpiry(db, at(environment.expiresAt, -20 * 60_000)))).toEqual([]);
  });

  it("sends the reminders again for the new expiry after an extension", async () => {
    const environment = await readyEnvironment();
    expect(remindersOf(environment.id, await sweepExpiry(db, at(environment.expiresAt, -23 * HOUR)))).toEqual(["24h"]);
    await owner.extensions.request({ environmentId: environment.id, hours: 48, justification: "needs two more days", clientRequestId: randomUUID() });
    const [extended] = await db.select().from(environments).where(eq(environments.id, environment.id));
    // The old expiry passes: nothing is destroyed, and the new one's reminder comes in time.
    const report = await sweepExpiry(db, at(environment.expiresAt, 1 * HOUR));
    expect(report.expired.map((e) => e.environmentId)).not.toContain(environment.id);
    expect(remindersOf(environment.id, await sweepExpiry(db, at(extended!.expiresAt, -23 * HOUR)))).toEqual(["24h"]);
  });
});

describe("expiry", () => {
  it("destroys an expired environment with the system as the actor, once, and closes its cost records", async () => {
    const environment = await readyEnvironment();
    const before = await sweepExpiry(db, at(environment.expiresAt, -1 * 60_000));
    expect(before.expired.map((e) => e.environmentId)).not.toContain(environment.id);

    const [first, second] = await Promise.all([
      sweepExpiry(db, at(environment.expiresAt, 60_000)),
      sweepExpiry(db, at(environment.expiresAt, 60_000)),
    ]);
    const runIds = [...first.expired, ...second.expired].filter((e) => e.environmentId === environment.id).map((e) => e.runId);
    expect(runIds).toHaveLength(1);
    const [destroying] = await db.select().from(environments).where(eq(environments.id, environment.id));
    expect(destroying).toMatchObject({ status: "destroying", destroyReason: "expired", destroyRequestedBy: null });

    const audit = await db
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.subjectId, environment.id), eq(auditEvents.action, "environment.expired")));
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ actorId: null, actorLabel: "system", correlationId: environment.requestId });
    expect((await notesOf("environment_expired")).map((n) => n.title)).toContain(`${environment.name} expired and is being destroyed`);

    expect(await executeRun(db, runIds[0]!, runner())).toBe("succeeded");
    const [destroyed] = await db.select().from(environments).where(eq(environments.id, environment.id));
    expect(destroyed?.status).toBe("destroyed");
    const [request] = await db.select().from(requests).where(eq(requests.id, environment.requestId));
    expect(request?.status).toBe("destroyed");
    expect(
      await db
        .select()
        .from(costRecords)
        .where(and(eq(costRecords.environmentId, environment.id), isNull(costRecords.endedAt))),
    ).toHaveLength(0);
    expect(await sim.read({ environmentId: environment.id, signal: new AbortController().signal })).toHaveLength(0);
    // Its name is free again.
    const again = await owner.requests.submit({
      teamId,
      templateName: "bastion-host",
      tier: "dev",
      environmentName: environment.name,
      ttlHours: 24,
      parameters: {},
      justification: "same name once the old one is gone",
      clientRequestId: randomUUID(),
    });
    expect(again.status).toBe("queued");
  });

  it("leaves an environment alone while another run is active, and destroys it at the next sweep", async () => {
    const environment = await readyEnvironment();
    const [busy] = await db.insert(runs).values({ environmentId: environment.id, kind: "update", status: "queued" }).returning();
    expect((await sweepExpiry(db, at(environment.expiresAt, 60_000))).expired.map((e) => e.environmentId)).not.toContain(environment.id);
    await db.update(runs).set({ status: "succeeded", finishedAt: new Date() }).where(eq(runs.id, busy!.id));
    expect((await sweepExpiry(db, at(environment.expiresAt, 120_000))).expired.map((e) => e.environmentId)).toContain(environment.id);
  });
});
