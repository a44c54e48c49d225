import { TRPCError } from "@trpc/server";
import { randomUUID } from "node:crypto";
import { and, eq, sql } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import type { Database } from "~/db/client";
import { notifications, requests, teams } from "~/db/schema";
import { createTestDatabase } from "~/testing/db";
import { callerFor, makeTeam, makeUser } from "~/testing/fixtures";
import { templateYaml, uniqueTemplateName } from "~/testing/templates";

type Caller = Awaited<ReturnType<typeof callerFor>>;
let db: Database;
let teamId: string;
let otherTeamId: string;
let template: string;
const people = {} as Record<"dev" | "approver1" | "approver2" | "admin" | "outsider", { id: string; api: Caller }>;

beforeAll(async () => {
  ({ db } = await createTestDatabase());
  for (const key of ["dev", "approver1", "approver2", "admin", "outsider"] as const) {
    const user = await makeUser(db, { globalRole: key === "admin" ? "admin" : null, name: key });
    people[key] = { id: user.id, api: null as unknown as Caller };
  }
  const team = await makeTeam(db, [
    { userId: people.dev.id, role: "member" },
    { userId: people.approver1.id, role: "approver" },
    { userId: people.approver2.id, role: "approver" },
  ]);
  teamId = team.id;
  await db.update(teams).set({ monthlyBudgetCents: 50_000, budgetMode: "hard", quotaGpus: 0 }).where(eq(teams.id, teamId));
  otherTeamId = (await makeTeam(db, [{ userId: people.outsider.id, role: "approver" }])).id;
  for (const key of Object.keys(people) as (keyof typeof people)[]) people[key].api = await callerFor(db, people[key].id);
  template = uniqueTemplateName("req");
  const draft = await people.admin.api.templateAdmin.createDraft({ yaml: templateYaml(template) });
  await people.admin.api.templateAdmin.publish({ versionId: draft.versionId, expectedLockVersion: draft.lockVersion });
});

const envName = () => `env-${randomUUID().slice(0, 8)}`;
function submit(
  api: Caller,
  tier: "dev" | "prod",
  extra: { parameters?: Record<string, unknown>; ttlHours?: number; clientRequestId?: string; environmentName?: string } = {},
) {
  return api.requests.submit({
    teamId,
    templateName: template,
    tier,
    environmentName: extra.environmentName ?? envName(),
    ttlHours: extra.ttlHours ?? 24,
    parameters: extra.parameters ?? {},
    justification: "Integration test of the request flow",
    clientRequestId: extra.clientRequestId ?? randomUUID(),
  });
}
const decide = (api: Caller, requestId: string, decision: "approved" | "rejected", version = 1, comment = decision === "rejected" ? "Not now" : "") =>
  api.approvals.decide({ requestId, expectedVersion: version, decision, comment });

async function jobsFor(requestId: string): Promise<number> {
  const result = await db.execute(sql`select count(*)::int as n from graphile_worker.jobs where key = ${`provision:${requestId}`}`);
  return Number((result.rows[0] as { n: number }).n);
}
async function failure(promise: Promise<unknown>): Promise<TRPCError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(TRPCError);
  return error as TRPCError;
}

describe("request transitions", () => {
  it("auto-approves a dev request and queues exactly one provisioning job in the same transaction", async () => {
    const result = await submit(people.dev.api, "dev");
    expect(result.status).toBe("queued");
    expect(await jobsFor(result.id)).toBe(1);
    const page = await people.dev.api.requests.get({ requestId: result.id });
    expect(page.decision.outcome).toBe("auto_approved");
    expect(page.timeline.map((e) => e.action)).toEqual(["request.submitted", "request.approved"]);
    expect(page.request.plan).toMatchObject({
      resources: expect.arrayContaining([expect.objectContaining({ tags: expect.objectContaining({ "request-id": result.id, tier: "dev" }) })]),
    });
  });

  it("makes one request of a double submit or a retried call", async () => {
    const clientRequestId = randomUUID();
    const environmentName = envName();
    const results = await Promise.all([1, 2, 3].map(() => submit(people.dev.api, "dev", { clientRequestId, environmentName })));
    expect(new Set(results.map((r) => r.id)).size).toBe(1);
    expect(results.filter((r) => r.duplicate)).toHaveLength(2);
    expect(await db.$count(requests, eq(requests.clientRequestId, clientRequestId))).toBe(1);
    expect(await jobsFor(results[0]!.id)).toBe(1);
  });

  it("needs two different team approvers for prod, then queues the request and tells the requester", async () => {
    const { id, status } = await submit(people.dev.api, "prod");
    expect(status).toBe("pending_approval");
    expect(await db.$count(notifications, and(eq(notifications.requestId, id), eq(notifications.kind, "approval_needed")))).toBe(2);

    const first = await decide(people.approver1.api, id, "approved");
    expect(first).toMatchObject({ status: "pending_approval", remaining: [1], complete: false });
    const again = await failure(decide(people.approver1.api, id, "approved"));
    expect(again.message).toMatch(/already/i);
    expect(await jobsFor(id)).toBe(0);

    const second = await decide(people.approver2.api, id, "approved");
    expect(second).toMatchObject({ status: "queued", complete: true });
    expect(await jobsFor(id)).toBe(1);
    expect(
      await db.$count(
        notifications,
        and(eq(notifications.requestId, id), eq(notifications.userId, people.dev.id), eq(notifications.kind, "request_approved")),
      ),
    ).toBe(1);
    const late = await failure(decide(people.admin.api, id, "approved"));
    expect(late).toMatchObject({ code: "CONFLICT", message: expect.stringContaining("it is already approved and queued") });
  });

  it("lets two approvers decide at once: both count, one transition, one job", async () => {
    const { id } = await submit(people.dev.api, "prod");
    const results = await Promise.allSettled([decide(people.approver1.api, id, "approved"), decide(people.approver2.api, id, "approved")]);
    expect(results.every((r) => r.status === "fulfilled")).toBe(true);
    const [row] = await db.select().from(requests).where(eq(requests.id, id));
    expect(row?.status).toBe("queued");
    expect(row?.version).toBe(2);
    expect(await jobsFor(id)).toBe(1);
  });

  it("records one decision when the same approver double-clicks", async () => {
    const { id } = await submit(people.dev.api, "prod");
    const results = await Promise.allSettled([decide(people.approver1.api, id, "approved"), decide(people.approver1.api, id, "approved")]);
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    const page = await people.dev.api.requests.get({ requestId: id });
    expect(page.approvals).toHaveLength(1);
    expect(page.progress.remaining).toEqual([1]);
  });

  it("refuses self-approval, even to an approver or an admin", async () => {
    const { id } = await submit(people.approver1.api, "prod");
    const own = await failure(decide(people.approver1.api, id, "approved"));
    expect(own.code).toBe("FORBIDDEN");
    expect(own.message).toMatch(/own request/i);
    const page = await people.approver1.api.requests.get({ requestId: id });
    expect(page.capabilities).toMatchObject({ canApprove: false, whyNot: expect.stringMatching(/own request/i) });
  });

  it("refuses any decision after a rejection or a cancellation, saying why", async () => {
    const rejected = await submit(people.dev.api, "prod");
    const noComment = await failure(decide(people.approver1.api, rejected.id, "rejected", 1, ""));
    expect(noComment.code).toBe("BAD_REQUEST");
    await decide(people.approver1.api, rejected.id, "rejected", 1, "Too big for now");
    const afterReject = await failure(decide(people.approver2.api, rejected.id, "approved", 2));
    expect(afterReject.message).toContain("it was already rejected");

    const cancelled = await submit(people.dev.api, "prod");
    await people.dev.api.requests.cancel({ requestId: cancelled.id, expectedVersion: 1 });
    const afterCancel = await failure(decide(people.approver1.api, cancelled.id, "approved", 2));
    expect(afterCancel).toMatchObject({ code: "CONFLICT", message: expect.stringContaining("it was cancelled") });
    expect(await jobsFor(cancelled.id)).toBe(0);
  });

  it("clears approvals when the requester edits parameters, and refuses decisions on the old version", async () => {
    const { id } = await submit(people.dev.api, "prod");
    await decide(people.approver1.api, id, "approved");
    const edited = await people.dev.api.requests.update({
      requestId: id,
      expectedVersion: 1,
      tier: "prod",
      environmentName: (await people.dev.api.requests.get({ requestId: id })).request.environmentName,
      ttlHours: 48,
      parameters: { disk_gb: 40 },
      justification: "Bigger disk after review",
    });
    expect(edited).toMatchObject({ version: 2, approvalsCleared: 1, status: "pending_approval" });
    const stale = await failure(decide(people.approver2.api, id, "approved", 1));
    expect(stale.message).toContain("was changed after you opened it");
    const page = await people.dev.api.requests.get({ requestId: id });
    expect(page.progress.remaining).toEqual([2]);
    expect(page.approvals[0]?.supersededAt).not.toBeNull();
    // The same approver may approve the new version.
    await decide(people.approver1.api, id, "approved", 2);
    await decide(people.approver2.api, id, "approved", 2);
    expect(await jobsFor(id)).toBe(1);
  });

  it("denies a request over the remaining hard budget, and stores nothing", async () => {
    // A team with no budget left: any share of this month does not fit, whatever the date.
    const small = await makeTeam(db, [{ userId: people.dev.id, role: "member" }]);
    await db.update(teams).set({ monthlyBudgetCents: 0, budgetMode: "hard" }).where(eq(teams.id, small.id));
    const dev = await callerFor(db, people.dev.id);
    const input = {
      teamId: small.id,
      templateName: template,
      tier: "prod" as const,
      environmentName: envName(),
      ttlHours: 24 * 30,
      parameters: { instance_type: "m5.large", disk_gb: 200 },
    };
    const denied = await failure(dev.requests.submit({ ...input, justification: "Too big for this team", clientRequestId: randomUUID() }));
    expect(denied.code).toBe("BAD_REQUEST");
    expect(denied.message).toMatch(/^Policy denies this request: exceeds remaining budget: \$0 left of \$0/);
    expect(await db.$count(requests, eq(requests.teamId, small.id))).toBe(0);
    const preview = await dev.requests.preview(input);
    expect(preview.decision.outcome).toBe("denied");
    expect(preview.decision.budget.remainingAfterCents).toBeLessThan(0);
  });

  it("keeps other teams and their requests invisible: NOT_FOUND for reading, deciding, cancelling or submitting", async () => {
    const { id } = await submit(people.dev.api, "prod");
    await expect(people.outsider.api.requests.get({ requestId: id })).rejects.toMatchObject({ code: "NOT_FOUND" });
    await expect(decide(people.outsider.api, id, "approved")).rejects.toMatchObject({ code: "NOT_FOUND" });
    await expect(people.outsider.api.requests.cancel({ requestId: id, expectedVersion: 1 })).rejects.toMatchObject({ code: "NOT_FOUND" });
    const list = await people.outsider.api.requests.list({});
    expect(list.requests.map((r) => r.id)).not.toContain(id);
    await expect(
      people.outsider.api.requests.submit({
        teamId,
        templateName: template,
        tier: "dev",
        environmentName: envName(),
        ttlHours: 1,
        parameters: {},
        justification: "not my team at all",
        clientRequestId: randomUUID(),
      }),
    ).rejects.toMatchObject({
      code: "NOT_FOUND",
      message: "Team was not found.",
    });
    void otherTeamId;
  });

  it("refuses a second live request with the same environment name in a team, on submit and on edit", async () => {
    const environmentName = envName();
    await submit(people.dev.api, "dev", { environmentName });
    const clash = await failure(submit(people.dev.api, "dev", { environmentName }));
    expect(clash).toMatchObject({ code: "CONFLICT", message: expect.stringContaining(environmentName) });
    const pending = await submit(people.dev.api, "prod");
    const renamed = await failure(
      people.dev.api.requests.update({
        requestId: pending.id,
        expectedVersion: 1,
        tier: "prod",
        environmentName,
        ttlHours: 24,
        parameters: {},
        justification: "Rename onto a taken name",
      }),
    );
    expect(renamed).toMatchObject({ code: "CONFLICT", message: expect.stringContaining(environmentName) });
  });

  it("previews an edit without counting the request being edited twice", async () => {
    const { id } = await submit(people.dev.api, "prod");
    const input = { teamId, templateName: template, tier: "prod" as const, environmentName: envName(), ttlHours: 24, parameters: {} };
    const asNew = await people.dev.api.requests.preview(input);
    const asEdit = await people.dev.api.requests.preview({ ...input, editingRequestId: id });
    expect(asNew.decision.budget.committedCents - asEdit.decision.budget.committedCents).toBe(asEdit.cost.monthShareCents);
    // Someone else's request cannot be used to see or shift the figures.
    await expect(people.approver1.api.requests.preview({ ...input, editingRequestId: id })).rejects.toMatchObject({ code: "NOT_FOUND" });
  });
});
