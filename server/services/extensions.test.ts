import { randomUUID } from "node:crypto";
import path from "node:path";
import { TRPCError } from "@trpc/server";
import { and, eq } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import type { Database } from "~/db/client";
import { auditEvents, costRecords, environmentResources, environments, notifications, requests, runs } from "~/db/schema";
import { quietSimConfig } from "~/server/engines/sim/cloud";
import { createSimEngine, type SimEngine } from "~/server/engines/sim/engine";
import { executeRun } from "~/server/runner/execute";
import { startApply } from "~/server/runner/start-apply";
import { syncTemplates } from "~/server/services/template-sync";
import { createTestDatabase } from "~/testing/db";
import { callerFor, makeTeam, makeUser } from "~/testing/fixtures";

const HOUR = 3_600_000;
let db: Database;
let sim: SimEngine;
let teamId: string;
let ownerId: string;
let owner: Awaited<ReturnType<typeof callerFor>>;
let approver: Awaited<ReturnType<typeof callerFor>>;
let colleague: Awaited<ReturnType<typeof callerFor>>;
let outsider: Awaited<ReturnType<typeof callerFor>>;
let auditor: Awaited<ReturnType<typeof callerFor>>;
const runner = () => ({ workerId: "test-worker", engines: () => sim });

beforeAll(async () => {
  ({ db } = await createTestDatabase());
  await syncTemplates(db, path.resolve(import.meta.dirname, "../../templates"));
  sim = createSimEngine({ db, config: quietSimConfig });
  const [o, a, c, x, au] = await Promise.all([makeUser(db), makeUser(db), makeUser(db), makeUser(db), makeUser(db, { globalRole: "auditor" })]);
  ownerId = o.id;
  teamId = (
    await makeTeam(db, [
      { userId: o.id, role: "member" },
      { userId: a.id, role: "approver" },
      { userId: c.id, role: "member" },
    ])
  ).id;
  await makeTeam(db, [{ userId: x.id, role: "member" }]);
  owner = await callerFor(db, o.id);
  approver = await callerFor(db, a.id);
  colleague = await callerFor(db, c.id);
  outsider = await callerFor(db, x.id);
  auditor = await callerFor(db, au.id);
});

/** A ready bastion-host dev environment (tier max TTL 7 days) with a 24 h TTL. */
async function readyEnvironment() {
  const { id: requestId } = await owner.requests.submit({
    teamId,
    templateName: "bastion-host",
    tier: "dev",
    environmentName: `bastion-${randomUUID().slice(0, 6)}`,
    ttlHours: 24,
    parameters: {},
    justification: "Extension tests need a live environment",
    clientRequestId: randomUUID(),
  });
  const runId = await startApply(db, requestId);
  expect(await executeRun(db, runId!, runner())).toBe("succeeded");
  const [environment] = await db.select().from(environments).where(eq(environments.requestId, requestId));
  return environment!;
}

async function queuedUpdateRun(environmentId: string) {
  const [run] = await db
    .select()
    .from(runs)
    .where(and(eq(runs.environmentId, environmentId), eq(runs.kind, "update")));
  return run;
}

async function expectTrpcError(promise: Promise<unknown>, code: TRPCError["code"], message: RegExp) {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(TRPCError);
  expect((error as TRPCError).code).toBe(code);
  expect((error as TRPCError).message).toMatch(message);
  return error as TRPCError;
}

describe("extending within the tier's maximum", () => {
  it("applies at once, moves the expiry and the resources' expires-at tag, and tells the owner", async () => {
    const environment = await readyEnvironment();
    const preview = await owner.extensions.preview({ environmentId: environment.id, hours: 48 });
    expect(preview.decision.outcome).toBe("auto_approved");
    expect(preview.newExpiresAt.getTime()).toBe(environment.expiresAt.getTime() + 48 * HOUR);
    expect(preview.decision.reasons[0]?.message).toMatch(/within the dev tier's maximum of 7 days: auto-approved/);

    const result = await owner.extensions.request({
      environmentId: environment.id,
      hours: 48,
      justification: "demo moved to Thursday",
      clientRequestId: randomUUID(),
    });
    expect(result.status).toBe("applied");
    const [after] = await db.select().from(environments).where(eq(environments.id, environment.id));
    expect(after!.expiresAt.getTime()).toBe(environment.expiresAt.getTime() + 48 * HOUR);
    const [request] = await db.select().from(requests).where(eq(requests.id, result.requestId));
    expect(request).toMatchObject({ kind: "extend", environmentId: environment.id, status: "applied", ttlHours: 48 });
    const audit = await db
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.subjectId, environment.id), eq(auditEvents.action, "environment.extended")));
    expect(audit).toHaveLength(1);
    const notes = await db
      .select()
      .from(notifications)
      .where(and(eq(notifications.userId, ownerId), eq(notifications.kind, "environment_extended")));
    expect(notes.map((n) => n.title)).toContain(`${environment.name} was extended by 2 days`);

    // The update run moves the tag on every resource, in the cloud and in our records.
    const run = await queuedUpdateRun(environment.id);
    expect(run?.status).toBe("queued");
    expect(await executeRun(db, run!.id, runner())).toBe("succeeded");
    const wanted = after!.expiresAt.toISOString();
    const rows = await db.select().from(environmentResources).where(eq(environmentResources.environmentId, environment.id));
    expect(rows.length).toBeGreaterThan(3);
    for (const row of rows) expect(row.tags["expires-at"]).toBe(wanted);
    const inCloud = await sim.read({ environmentId: environment.id, signal: new AbortController().signal });
    expect(inCloud).toHaveLength(rows.length);
    for (const resource of inCloud) expect(resource.tags["expires-at"]).toBe(wanted);
    const records = await db.select().from(costRecords).where(eq(costRecords.environmentId, environment.id));
    expect(records.length).toBe(rows.length);
    for (const record of records) expect(record.tags["expires-at"]).toBe(wanted);
  });

  it("creates one request for a double submit", async () => {
    const environment = await readyEnvironment();
    const clientRequestId = randomUUID();
    const input = { environmentId: environment.id, hours: 24, justification: "double click on submit", clientRequestId };
    const [a, b] = await Promise.all([owner.extensions.request(input), owner.extensions.request(input)].map((p) => p.catch((e: unknown) => e)));
    const ok = [a, b].filter((r): r is { requestId: string } => typeof r === "object" && r !== null && "requestId" in r);
    expect(ok.length).toBeGreaterThanOrEqual(1);
    const rows = await db.select().from(requests).where(eq(requests.environmentId, environment.id));
    expect(rows).toHaveLength(1);
    const [after] = await db.select().from(environments).where(eq(environments.id, environment.id));
    expect(after!.expiresAt.getTime()).toBe(environment.expiresAt.getTime() + 24 * HOUR);
  });
});

describe("extending beyond the tier's maximum", () => {
  it("needs a team approver; the expiry moves only when approved", async () => {
    const environment = await readyEnvironment();
    // 24 h + 7 days = 8 days, over the dev maximum of 7 days.
    const result = await owner.extensions.request({
      environmentId: environment.id,
      hours: 7 * 24,
      justification: "load test runs all next week",
      clientRequestId: randomUUID(),
    });
    expect(result.status).toBe("pending_approval");
    const [pending] = await db.select().from(environments).where(eq(environments.id, environment.id));
    expect(pending!.expiresAt).toEqual(environment.expiresAt);
    const [request] = await db.select().from(requests).where(eq(requests.id, result.requestId));
    expect(JSON.stringify(request!.decision)).toMatch(/over the dev tier's maximum of 7 days: a team approver must approve the exception/);

    // A second extension while one is pending is refused, naming the open one.
    await expectTrpcError(
      owner.extensions.request({ environmentId: environment.id, hours: 2, justification: "and a bit more time", clientRequestId: randomUUID() }),
      "CONFLICT",
      /already asks to extend/,
    );
    // The requester cannot approve it; a colleague without the approver role neither.
    await expectTrpcError(
      approver.approvals.decide({ requestId: result.requestId, expectedVersion: request!.version + 1, decision: "approved", comment: "" }),
      "CONFLICT",
      /changed after you opened it/,
    );
    await expectTrpcError(
      colleague.approvals.decide({ requestId: result.requestId, expectedVersion: request!.version, decision: "approved", comment: "" }),
      "FORBIDDEN",
      /./,
    );

    const decided = await approver.approvals.decide({
      requestId: result.requestId,
      expectedVersion: request!.version,
      decision: "approved",
      comment: "fine for the load test",
    });
    expect(decided).toMatchObject({ status: "applied", complete: true });
    const [after] = await db.select().from(environments).where(eq(environments.id, environment.id));
    expect(after!.expiresAt.getTime()).toBe(environment.expiresAt.getTime() + 7 * 24 * HOUR);
    const [applied] = await db.select().from(requests).where(eq(requests.id, result.requestId));
    expect(applied?.status).toBe("applied");
    expect((await queuedUpdateRun(environment.id))?.status).toBe("queued");
  });

  it("denies an extension past three times the maximum, naming the field, and changes nothing", async () => {
    const environment = await readyEnvironment();
    const error = await expectTrpcError(
      owner.extensions.request({
        environmentId: environment.id,
        hours: 21 * 24,
        justification: "keep it for a month",
        clientRequestId: randomUUID(),
      }),
      "BAD_REQUEST",
      /over 3× the dev tier's maximum of 7 days .*denied/,
    );
    expect(JSON.stringify(error.cause ?? error)).toMatch(/hours/);
    expect(await db.select().from(requests).where(eq(requests.environmentId, environment.id))).toHaveLength(0);
  });
});

describe("who may extend, and bad input", () => {
  it("refuses a colleague who is not the owner, another team, and auditors", async () => {
    const environment = await readyEnvironment();
    const input = { environmentId: environment.id, hours: 24, justification: "not my environment", clientRequestId: randomUUID() };
    await expectTrpcError(colleague.extensions.request(input), "FORBIDDEN", /owner, the team's approvers or an admin/);
    await expectTrpcError(outsider.extensions.preview({ environmentId: environment.id, hours: 24 }), "NOT_FOUND", /Environment was not found/);
    await expectTrpcError(auditor.extensions.request(input), "FORBIDDEN", /read-only/);
    // A team approver may extend an environment of the team.
    expect((await approver.extensions.request({ ...input, clientRequestId: randomUUID() })).status).toBe("applied");
  });

  it.each([
    [-5, /at least 1 hour/],
    [0, /at least 1 hour/],
    [1.5, /whole number/],
    [100_000, /at most 2160 hours/],
  ])("refuses %s hours, naming the field", async (hours, message) => {
    const environment = await readyEnvironment();
    const error = await expectTrpcError(owner.extensions.preview({ environmentId: environment.id, hours }), "BAD_REQUEST", /./);
    expect(JSON.stringify(error.cause ?? error.message)).toMatch(message);
    expect(JSON.stringify(error.cause ?? error.message)).toMatch(/hours/);
  });

  it("refuses to extend an environment that is not ready", async () => {
    const environment = await readyEnvironment();
    await db.update(environments).set({ status: "destroying" }).where(eq(environments.id, environment.id));
    await expectTrpcError(
      owner.extensions.preview({ environmentId: environment.id, hours: 24 }),
      "CONFLICT",
      /Only a ready environment can be extended; this one is destroying/,
    );
  });
});
