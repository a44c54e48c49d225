/**
 * The list reads shaped for their pages (issue 19): the approvals inbox answers a summary of
 * each plan (the plan itself on demand, requests.plan), its progress and capabilities from the
 * live approvals folded into the same query; keyset pages of requests end exactly at their
 * boundaries; and no list ever shows another team's rows.
 */
import { TRPCError } from "@trpc/server";
import { randomUUID } from "node:crypto";
import { beforeAll, describe, expect, it } from "vitest";
import type { Database } from "~/db/client";
import { createTestDatabase } from "~/testing/db";
import { callerFor, makeTeam, makeUser } from "~/testing/fixtures";
import { templateYaml, uniqueTemplateName } from "~/testing/templates";

type Caller = Awaited<ReturnType<typeof callerFor>>;
let db: Database;
let template: string;
const teamIds = {} as Record<"a" | "b" | "paged", string>;
const people = {} as Record<"dev" | "approver1" | "approver2" | "admin" | "devB" | "approverB" | "pager", { id: string; api: Caller }>;

beforeAll(async () => {
  ({ db } = await createTestDatabase());
  for (const key of Object.keys({ dev: 0, approver1: 0, approver2: 0, admin: 0, devB: 0, approverB: 0, pager: 0 }) as (keyof typeof people)[]) {
    const user = await makeUser(db, { globalRole: key === "admin" ? "admin" : null, name: key });
    people[key] = { id: user.id, api: null as unknown as Caller };
  }
  teamIds.a = (
    await makeTeam(db, [
      { userId: people.dev.id, role: "member" },
      { userId: people.approver1.id, role: "approver" },
      { userId: people.approver2.id, role: "approver" },
    ])
  ).id;
  teamIds.b = (
    await makeTeam(db, [
      { userId: people.devB.id, role: "member" },
      { userId: people.approverB.id, role: "approver" },
    ])
  ).id;
  teamIds.paged = (await makeTeam(db, [{ userId: people.pager.id, role: "member" }])).id;
  for (const key of Object.keys(people) as (keyof typeof people)[]) people[key].api = await callerFor(db, people[key].id);
  template = uniqueTemplateName("reads");
  const draft = await people.admin.api.templateAdmin.createDraft({ yaml: templateYaml(template) });
  await people.admin.api.templateAdmin.publish({ versionId: draft.versionId, expectedLockVersion: draft.lockVersion });
});

function submit(api: Caller, teamId: string, tier: "dev" | "prod") {
  return api.requests.submit({
    teamId,
    templateName: template,
    tier,
    environmentName: `env-${randomUUID().slice(0, 8)}`,
    ttlHours: 24,
    parameters: {},
    justification: "Read shapes test",
    clientRequestId: randomUUID(),
  });
}

async function failure(promise: Promise<unknown>): Promise<TRPCError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(TRPCError);
  return error as TRPCError;
}

describe("approvals inbox", () => {
  it("answers a summary of each plan, not the plan, and the full plan on demand to who may read the request", async () => {
    const { id } = await submit(people.dev.api, teamIds.a, "prod");
    const page = await people.dev.api.requests.get({ requestId: id });
    const plan = page.request.plan as { engine: string; resources: unknown[] };
    const item = (await people.approver1.api.approvals.inbox()).find((i) => i.id === id);
    expect(item).toBeDefined();
    expect(item).not.toHaveProperty("plan");
    expect(item!.planSummary).toEqual({ engine: plan.engine, resources: plan.resources.length, changes: null });
    expect(item!.planSummary.resources).toBeGreaterThan(0);
    expect(item).toMatchObject({
      label: page.request.label,
      version: 1,
      environmentName: page.request.environmentName,
      monthlyCents: page.request.monthlyCents,
      teamName: page.team.name,
      requesterName: "dev",
      templateName: template,
      decision: page.decision,
    });
    expect(item!.submittedAt).toBeInstanceOf(Date);
    expect(await people.approver1.api.requests.plan({ requestId: id })).toEqual(page.request.plan);
    expect((await failure(people.approverB.api.requests.plan({ requestId: id }))).code).toBe("NOT_FOUND");
  });

  it("counts the live approvals in each row: who approved cannot again, the second approver can", async () => {
    const { id } = await submit(people.dev.api, teamIds.a, "prod");
    await people.approver1.api.approvals.decide({ requestId: id, expectedVersion: 1, decision: "approved", comment: "" });
    const first = (await people.approver1.api.approvals.inbox()).find((i) => i.id === id)!;
    const second = (await people.approver2.api.approvals.inbox()).find((i) => i.id === id)!;
    expect(first.progress).toEqual(second.progress);
    expect(first.progress.remaining[0]).toBe(1);
    expect(first.progress.approvedBy[0]).toEqual([people.approver1.id]);
    expect(first.capabilities).toMatchObject({ canApprove: false, canReject: false });
    expect(first.capabilities.whyNot).toEqual(expect.any(String));
    expect(second.capabilities).toMatchObject({ canApprove: true, canReject: true, whyNot: null });
    // The page of the request agrees with the inbox.
    expect((await people.approver2.api.requests.get({ requestId: id })).progress).toEqual(second.progress);
  });

  it("never shows another team's requests; an admin sees every team's", async () => {
    const ours = await submit(people.dev.api, teamIds.a, "prod");
    const theirs = await submit(people.devB.api, teamIds.b, "prod");
    const idsOf = async (api: Caller) => (await api.approvals.inbox()).map((i) => i.id);
    expect(await idsOf(people.approver1.api)).toContain(ours.id);
    expect(await idsOf(people.approver1.api)).not.toContain(theirs.id);
    expect(await idsOf(people.approverB.api)).toContain(theirs.id);
    expect(await idsOf(people.approverB.api)).not.toContain(ours.id);
    expect((await people.approverB.api.approvals.inbox()).every((i) => i.teamId === teamIds.b)).toBe(true);
    expect(await idsOf(people.admin.api)).toEqual(expect.arrayContaining([ours.id, theirs.id]));
  });
});

describe("requests list pages", () => {
  it("pages by number, newest first, ending exactly at the last row whatever the page size", async () => {
    const submitted: string[] = [];
    for (let i = 0; i < 4; i++) submitted.push((await submit(people.pager.api, teamIds.paged, "dev")).id);
    const newestFirst = [...submitted].reverse();
    for (const limit of [1, 2, 3, 4, 5]) {
      const seen: string[] = [];
      let cursor: number | undefined;
      for (let pages = 0; pages < 10; pages++) {
        const page = await people.pager.api.requests.list({ teamId: teamIds.paged, limit, cursor });
        expect(page.requests.length).toBeLessThanOrEqual(limit);
        seen.push(...page.requests.map((r) => r.id));
        if (page.nextCursor === null) break;
        // A cursor is only given when another row follows: never an empty last page.
        expect(page.requests).toHaveLength(limit);
        cursor = page.nextCursor;
      }
      expect(seen, `limit ${limit}`).toEqual(newestFirst);
    }
  });

  it("shows only the viewer's teams: another team's id as a filter answers nothing", async () => {
    const theirs = await submit(people.devB.api, teamIds.b, "dev");
    expect((await people.pager.api.requests.list({ teamId: teamIds.b })).requests).toEqual([]);
    const all = await people.pager.api.requests.list({ limit: 100 });
    expect(all.requests.map((r) => r.id)).not.toContain(theirs.id);
    expect(all.requests.every((r) => r.teamId === teamIds.paged)).toBe(true);
  });
});
