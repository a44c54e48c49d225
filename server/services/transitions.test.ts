/**
 * The request lifecycle through the API: each transition publishes the events the event table
 * promises (request.queued when a request is queued, environment.destroy_requested to webhooks),
 * and a transition the table does not allow is refused with a clear conflict and changes nothing.
 */
import { randomUUID } from "node:crypto";
import { TRPCError } from "@trpc/server";
import { and, eq, sql } from "drizzle-orm";
import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import { ZodError } from "zod";
import type { Database } from "~/db/client";
import { auditEvents, environments, requests, webhookDeliveries, webhooks } from "~/db/schema";
import { systemActor } from "~/server/core/audit";
import { IllegalTransitionError } from "~/server/core/lifecycle";
import { webhookEventTypes } from "~/server/schemas/webhooks";
import { createTestDatabase } from "~/testing/db";
import { callerFor, makeTeam, makeUser } from "~/testing/fixtures";
import { templateYaml, uniqueTemplateName } from "~/testing/templates";
import { applyExtension } from "./extensions";

type Caller = Awaited<ReturnType<typeof callerFor>>;

let db: Database;
let teamId: string;
let template: string;
let webhookId: string;
const people = {} as Record<"requester" | "approver" | "approver2" | "admin", { id: string; api: Caller }>;

beforeAll(async () => {
  ({ db } = await createTestDatabase());
  for (const key of ["requester", "approver", "approver2", "admin"] as const) {
    const user = await makeUser(db, { globalRole: key === "admin" ? "admin" : null, name: key });
    people[key] = { id: user.id, api: null as unknown as Caller };
  }
  teamId = (
    await makeTeam(db, [
      { userId: people.requester.id, role: "member" },
      { userId: people.approver.id, role: "approver" },
      { userId: people.approver2.id, role: "approver" },
    ])
  ).id;
  for (const key of Object.keys(people) as (keyof typeof people)[]) people[key].api = await callerFor(db, people[key].id);
  // dev: auto-approved; prod: two team approvers.
  template = uniqueTemplateName("lifecycle");
  const draft = await people.admin.api.templateAdmin.createDraft({ yaml: templateYaml(template) });
  await people.admin.api.templateAdmin.publish({ versionId: draft.versionId, expectedLockVersion: draft.lockVersion });
  // Every event a webhook can subscribe to; nothing delivers them (no worker runs here), the rows are the evidence.
  const hook = await people.approver.api.webhooks.create({
    teamId,
    url: "http://127.0.0.1:9/hook",
    events: webhookEventTypes.map((e) => e.type) as [(typeof webhookEventTypes)[number]["type"]],
  });
  webhookId = hook.webhook.id;
});

beforeEach(async () => {
  await db.delete(webhookDeliveries).where(eq(webhookDeliveries.webhookId, webhookId));
});

async function eventsFor(subject: string): Promise<string[]> {
  const rows = await db
    .select({ type: webhookDeliveries.eventType, payload: webhookDeliveries.payload })
    .from(webhookDeliveries)
    .where(eq(webhookDeliveries.webhookId, webhookId))
    .orderBy(webhookDeliveries.createdAt);
  return rows.filter((r) => (r.payload as { subject: string }).subject === subject).map((r) => r.type.replace("dev.provisio.", ""));
}

function submit(tier: "dev" | "prod") {
  return people.requester.api.requests.submit({
    teamId,
    templateName: template,
    tier,
    environmentName: `env-${randomUUID().slice(0, 8)}`,
    ttlHours: 24,
    parameters: {},
    justification: "Lifecycle test",
    clientRequestId: randomUUID(),
  });
}

async function rowOf(requestId: string) {
  const [row] = await db.select().from(requests).where(eq(requests.id, requestId));
  return row!;
}

async function failure(promise: Promise<unknown>): Promise<TRPCError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(TRPCError);
  return error as TRPCError;
}

/** A ready environment for a dev request, as the runner would leave it (the runner itself is not under test here). */
async function readyEnvironment() {
  const { id: requestId } = await submit("dev");
  const request = await rowOf(requestId);
  await db.update(requests).set({ status: "ready" }).where(eq(requests.id, requestId));
  const [environment] = await db
    .insert(environments)
    .values({
      requestId,
      teamId,
      ownerId: people.requester.id,
      templateVersionId: request.templateVersionId,
      name: request.environmentName,
      tier: "dev",
      engine: "sim",
      status: "ready",
      onFailure: "cleanup",
      expiresAt: new Date(Date.now() + 24 * 3_600_000),
      readyAt: new Date(),
    })
    .returning();
  return environment!;
}

describe("events at each transition", () => {
  it("an auto-approved request is submitted, approved and queued", async () => {
    const request = await submit("dev");
    expect(request.status).toBe("queued");
    expect(await eventsFor(`requests/${request.id}`)).toEqual(["request.submitted", "request.approved", "request.queued"]);
  });

  it("a request is queued by its last approval, not before", async () => {
    const request = await submit("prod");
    expect(request.status).toBe("pending_approval");
    expect(await eventsFor(`requests/${request.id}`)).toEqual(["request.submitted", "request.approval_needed"]);

    const first = await people.approver.api.approvals.decide({ requestId: request.id, expectedVersion: 1, decision: "approved", comment: "" });
    expect(first).toMatchObject({ status: "pending_approval", complete: false });
    expect(await eventsFor(`requests/${request.id}`)).toEqual(["request.submitted", "request.approval_needed"]);

    const last = await people.approver2.api.approvals.decide({ requestId: request.id, expectedVersion: 1, decision: "approved", comment: "" });
    expect(last).toMatchObject({ status: "queued", complete: true });
    expect(await eventsFor(`requests/${request.id}`)).toEqual(["request.submitted", "request.approval_needed", "request.approved", "request.queued"]);
    // The request's timeline (its audit entries in order): the last approval, then the request approved.
    const audit = await db
      .select({ action: auditEvents.action })
      .from(auditEvents)
      .where(eq(auditEvents.correlationId, request.id))
      .orderBy(auditEvents.id);
    expect(audit.map((a) => a.action)).toEqual(["request.submitted", "request.approval_recorded", "request.approval_recorded", "request.approved"]);
  });

  it("a rejected request is never queued", async () => {
    const request = await submit("prod");
    await people.approver.api.approvals.decide({ requestId: request.id, expectedVersion: 1, decision: "rejected", comment: "Too big." });
    expect(await eventsFor(`requests/${request.id}`)).toEqual(["request.submitted", "request.approval_needed", "request.rejected"]);
  });

  it("destroying an environment reaches a webhook subscribed to environment.destroy_requested", async () => {
    const environment = await readyEnvironment();
    await people.requester.api.environments.destroy({
      environmentId: environment.id,
      confirmName: environment.name,
      expectedVersion: environment.version,
    });
    expect(await eventsFor(`environments/${environment.id}`)).toEqual(["environment.destroy_requested"]);
  });

  it("refuses a subscription to an event Provisio does not send, naming the field", async () => {
    const error = await failure(
      people.approver.api.webhooks.create({
        teamId,
        url: "http://127.0.0.1:9/other",
        events: ["dev.provisio.request.queud" as "dev.provisio.request.queued"],
      }),
    );
    expect(error.code).toBe("BAD_REQUEST");
    expect(error.cause).toBeInstanceOf(ZodError);
    expect((error.cause as ZodError).issues.map((i) => [i.path.join("."), i.message])).toEqual([["events.0", "is not an event Provisio sends"]]);
    expect(
      await db
        .select({ n: sql<number>`count(*)::int` })
        .from(webhooks)
        .where(eq(webhooks.teamId, teamId)),
    ).toEqual([{ n: 1 }]);
  });
});

describe("forbidden transitions change nothing", () => {
  it("cancelling a request that is already provisioning is a conflict saying why; the row, audit and webhooks stay as they were", async () => {
    const { id } = await submit("dev");
    // The worker took it: queued → provisioning.
    await db
      .update(requests)
      .set({ status: "provisioning", version: sql`${requests.version} + 1` })
      .where(eq(requests.id, id));
    const before = await rowOf(id);
    const deliveries = await eventsFor(`requests/${id}`);

    const error = await failure(people.requester.api.requests.cancel({ requestId: id, expectedVersion: before.version, reason: "changed my mind" }));
    expect(error.code).toBe("CONFLICT");
    expect(error.message).toBe(`REQ-${before.number} cannot be cancelled: it is already being provisioned.`);

    expect(await rowOf(id)).toEqual(before);
    expect(
      await db
        .select()
        .from(auditEvents)
        .where(and(eq(auditEvents.subjectId, id), eq(auditEvents.action, "request.cancelled"))),
    ).toEqual([]);
    expect(await eventsFor(`requests/${id}`)).toEqual(deliveries);
  });

  it("a stale caller cannot apply an extension twice: the locked row's status decides, and the expiry stays", async () => {
    const environment = await readyEnvironment();
    const extension = await people.requester.api.extensions.request({
      environmentId: environment.id,
      hours: 24,
      justification: "One more day of tests.",
      clientRequestId: randomUUID(),
    });
    expect(extension.status).toBe("applied");
    const applied = await rowOf(extension.requestId);
    const [extended] = await db.select().from(environments).where(eq(environments.id, environment.id));

    // The caller still holds the row as it was before it was applied.
    const attempt = db.transaction((tx) => applyExtension(tx, { ...applied, status: "pending_approval" }, systemActor));
    await expect(attempt).rejects.toThrow(IllegalTransitionError);
    await expect(attempt).rejects.toThrow("A request cannot go from applied to applied.");

    const [after] = await db.select().from(environments).where(eq(environments.id, environment.id));
    expect(after!.expiresAt).toEqual(extended!.expiresAt);
    expect(await rowOf(extension.requestId)).toEqual(applied);
    expect(
      await db
        .select()
        .from(auditEvents)
        .where(and(eq(auditEvents.subjectId, environment.id), eq(auditEvents.action, "environment.extended"))),
    ).toHaveLength(1);
  });

  it("retrying an environment that is ready is refused and queues nothing", async () => {
    const environment = await readyEnvironment();
    const error = await failure(people.requester.api.environments.retry({ environmentId: environment.id }));
    expect(error.code).toBe("CONFLICT");
    const [after] = await db.select().from(environments).where(eq(environments.id, environment.id));
    expect(after).toEqual(environment);
  });
});
