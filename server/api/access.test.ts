import { TRPCError } from "@trpc/server";
import { randomUUID } from "node:crypto";
import { beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase } from "~/testing/db";
import { callerFor, makeTeam, makeUser } from "~/testing/fixtures";
import { templateYaml, uniqueTemplateName } from "~/testing/templates";
import type { Database } from "~/db/client";
import { appRouter } from "./root";

type Caller = Awaited<ReturnType<typeof callerFor>>;
type Call = (caller: Caller, ids: Ids) => Promise<unknown>;
type Ids = { teamId: string; otherTeamId: string; bystanderId: string };
type Persona = "member" | "approver" | "admin" | "auditor";
/** Catalog curation is for admins only; auditors do not even read drafts through it. */
const curators: Persona[] = ["member", "approver", "auditor"];

/**
 * Every procedure of the API with a valid input and who may NOT call it. Adding a procedure
 * without a row here fails the completeness test below.
 */
const procedures: Record<string, { call: Call; forbiddenFor: Persona[] }> = {
  "me.get": { call: (c) => c.me.get(), forbiddenFor: [] },
  "teams.list": { call: (c) => c.teams.list(), forbiddenFor: [] },
  "teams.get": { call: (c, ids) => c.teams.get({ teamId: ids.otherTeamId }), forbiddenFor: ["member", "approver"] },
  "teams.create": {
    call: (c) => c.teams.create({ slug: `t-${randomUUID().slice(0, 8)}`, name: "New team", description: "", costCenter: "CC-1", monthlyBudgetUsd: 10 }),
    forbiddenFor: ["member", "approver", "auditor"],
  },
  "teams.update": {
    call: (c, ids) => c.teams.update({ teamId: ids.teamId, name: "Renamed", description: "", costCenter: "CC-2", monthlyBudgetUsd: 5, expectedVersion: 1 }),
    forbiddenFor: ["member", "approver", "auditor"],
  },
  "teams.setMember": {
    call: (c, ids) => c.teams.setMember({ teamId: ids.teamId, email: "nobody@example.test", role: "member" }),
    forbiddenFor: ["member", "approver", "auditor"],
  },
  "teams.removeMember": {
    call: (c, ids) => c.teams.removeMember({ teamId: ids.teamId, userId: ids.bystanderId }),
    forbiddenFor: ["member", "approver", "auditor"],
  },
  "users.list": { call: (c) => c.users.list(), forbiddenFor: ["member", "approver"] },
  "users.setGlobalRole": {
    call: (c, ids) => c.users.setGlobalRole({ userId: ids.bystanderId, globalRole: null }),
    forbiddenFor: ["member", "approver", "auditor"],
  },
  "audit.list": { call: (c) => c.audit.list({}), forbiddenFor: ["member", "approver"] },
  "audit.facets": { call: (c) => c.audit.facets(), forbiddenFor: ["member", "approver"] },
  "requests.preview": {
    call: (c, ids) => c.requests.preview({ teamId: ids.otherTeamId, templateName: "web-service", tier: "dev", environmentName: "demo", ttlHours: 24, parameters: {} }),
    forbiddenFor: ["member", "approver", "admin", "auditor"],
  },
  "requests.submit": {
    call: (c, ids) =>
      c.requests.submit({
        teamId: ids.otherTeamId,
        templateName: "web-service",
        tier: "dev",
        environmentName: "demo",
        ttlHours: 24,
        parameters: {},
        justification: "Access check of the API",
        clientRequestId: randomUUID(),
      }),
    forbiddenFor: ["member", "approver", "admin", "auditor"],
  },
  "requests.update": {
    call: (c) => c.requests.update({ requestId: randomUUID(), expectedVersion: 1, tier: "dev", environmentName: "demo", ttlHours: 24, parameters: {}, justification: "Access check of the API" }),
    forbiddenFor: ["auditor"],
  },
  "requests.cancel": { call: (c) => c.requests.cancel({ requestId: randomUUID(), expectedVersion: 1 }), forbiddenFor: ["auditor"] },
  "requests.comment": { call: (c) => c.requests.comment({ requestId: randomUUID(), body: "hello" }), forbiddenFor: ["auditor"] },
  "requests.get": { call: (c) => c.requests.get({ requestId: randomUUID() }), forbiddenFor: [] },
  "requests.list": { call: (c) => c.requests.list({}), forbiddenFor: [] },
  "requests.terraformPlan": {
    call: (c, ids) => c.requests.terraformPlan({ teamId: ids.otherTeamId, templateName: "web-service", tier: "dev", environmentName: "demo", ttlHours: 24, parameters: {} }),
    forbiddenFor: ["member", "approver", "admin", "auditor"],
  },
  "requests.terraformPlanForRequest": { call: (c) => c.requests.terraformPlanForRequest({ requestId: randomUUID() }), forbiddenFor: [] },
  // Extending: the service answers NOT_FOUND for environments outside the caller's teams; auditors change nothing.
  "extensions.preview": { call: (c) => c.extensions.preview({ environmentId: randomUUID(), hours: 24 }), forbiddenFor: [] },
  "extensions.request": {
    call: (c) => c.extensions.request({ environmentId: randomUUID(), hours: 24, justification: "need it longer for testing", clientRequestId: randomUUID() }),
    forbiddenFor: ["auditor"],
  },
  "approvals.inbox": { call: (c) => c.approvals.inbox(), forbiddenFor: ["member", "auditor"] },
  "approvals.decide": {
    call: (c) => c.approvals.decide({ requestId: randomUUID(), expectedVersion: 1, decision: "approved", comment: "" }),
    forbiddenFor: ["member", "auditor"],
  },
  "catalog.list": { call: (c) => c.catalog.list(), forbiddenFor: [] },
  "catalog.get": { call: (c) => c.catalog.get({ name: "web-service" }), forbiddenFor: [] },
  "catalog.preview": {
    // Previewing for a team is acting in it: members only (admins and auditors are not members of the other team).
    call: (c, ids) => c.catalog.preview({ teamId: ids.otherTeamId, name: "web-service", tier: "dev", environmentName: "demo", parameters: {} }),
    forbiddenFor: ["member", "approver", "admin", "auditor"],
  },
  "templateAdmin.list": { call: (c) => c.templateAdmin.list(), forbiddenFor: curators },
  "templateAdmin.get": { call: (c) => c.templateAdmin.get({ name: "web-service" }), forbiddenFor: curators },
  "templateAdmin.validate": { call: (c) => c.templateAdmin.validate({ yaml: templateYaml("access-check") }), forbiddenFor: curators },
  "templateAdmin.createDraft": { call: (c) => c.templateAdmin.createDraft({ yaml: templateYaml(uniqueTemplateName("access")) }), forbiddenFor: curators },
  "templateAdmin.updateDraft": {
    call: (c) => c.templateAdmin.updateDraft({ versionId: randomUUID(), yaml: templateYaml("access-check"), expectedLockVersion: 1 }),
    forbiddenFor: curators,
  },
  "templateAdmin.deleteDraft": { call: (c) => c.templateAdmin.deleteDraft({ versionId: randomUUID(), expectedLockVersion: 1 }), forbiddenFor: curators },
  "templateAdmin.publish": { call: (c) => c.templateAdmin.publish({ versionId: randomUUID(), expectedLockVersion: 1 }), forbiddenFor: curators },
  "templateAdmin.deprecate": { call: (c) => c.templateAdmin.deprecate({ templateId: randomUUID(), reason: "retired" }), forbiddenFor: curators },
  "templateAdmin.restore": { call: (c) => c.templateAdmin.restore({ templateId: randomUUID() }), forbiddenFor: curators },
  // Costs: a team's members read its costs, admins and auditors any team's; every team at once only admins and auditors.
  "costs.summary": { call: (c, ids) => c.costs.summary({ teamId: ids.teamId }), forbiddenFor: [] },
  "costs.summary (other team)": { call: (c, ids) => c.costs.summary({ teamId: ids.otherTeamId }), forbiddenFor: ["member", "approver"] },
  "costs.summary (all teams)": { call: (c) => c.costs.summary({ teamId: "all" }), forbiddenFor: ["member", "approver"] },
  // Environments: the services decide per environment (an unknown id is NOT_FOUND for everyone); auditors change nothing.
  "environments.list": { call: (c) => c.environments.list({}), forbiddenFor: [] },
  "environments.get": { call: (c) => c.environments.get({ environmentId: randomUUID() }), forbiddenFor: [] },
  "environments.revealSecret": { call: (c) => c.environments.revealSecret({ environmentId: randomUUID(), name: "password" }), forbiddenFor: ["auditor"] },
  "environments.destroy": { call: (c) => c.environments.destroy({ environmentId: randomUUID(), confirmName: "demo", expectedVersion: 1 }), forbiddenFor: ["auditor"] },
  "environments.retry": { call: (c) => c.environments.retry({ environmentId: randomUUID() }), forbiddenFor: ["auditor"] },
  // Notifications: everyone reads their own; marking read is a change, so auditors are refused.
  "notifications.list": { call: (c) => c.notifications.list({}), forbiddenFor: [] },
  "notifications.unreadCount": { call: (c) => c.notifications.unreadCount(), forbiddenFor: [] },
  "notifications.markRead": { call: (c) => c.notifications.markRead({ ids: [randomUUID()] }), forbiddenFor: ["auditor"] },
  "notifications.markAllRead": { call: (c) => c.notifications.markAllRead(), forbiddenFor: ["auditor"] },
  // Team webhooks: the team's approvers and admins manage them; auditors read them; members do not see them.
  "webhooks.list": { call: (c, ids) => c.webhooks.list({ teamId: ids.teamId }), forbiddenFor: ["member"] },
  "webhooks.create": {
    call: (c, ids) => c.webhooks.create({ teamId: ids.teamId, url: "https://hooks.example.test/provisio", events: ["dev.provisio.request.approved"] }),
    forbiddenFor: ["member", "auditor"],
  },
  "webhooks.update": {
    call: (c, ids) => c.webhooks.update({ teamId: ids.teamId, webhookId: randomUUID(), active: false, expectedVersion: 1 }),
    forbiddenFor: ["member", "auditor"],
  },
  "webhooks.rotateSecret": { call: (c, ids) => c.webhooks.rotateSecret({ teamId: ids.teamId, webhookId: randomUUID() }), forbiddenFor: ["member", "auditor"] },
  "webhooks.delete": { call: (c, ids) => c.webhooks.delete({ teamId: ids.teamId, webhookId: randomUUID() }), forbiddenFor: ["member", "auditor"] },
  "webhooks.deliveries": { call: (c, ids) => c.webhooks.deliveries({ teamId: ids.teamId, webhookId: randomUUID() }), forbiddenFor: ["member"] },
  "webhooks.redeliver": {
    call: (c, ids) => c.webhooks.redeliver({ teamId: ids.teamId, webhookId: randomUUID(), deliveryId: randomUUID() }),
    forbiddenFor: ["member", "auditor"],
  },
};


async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return "OK";
  } catch (error) {
    if (error instanceof TRPCError) return error.code;
    throw error;
  }
}

let db: Database;
let ids: Ids;
const callers = {} as Record<Persona | "anonymous", Caller>;

beforeAll(async () => {
  ({ db } = await createTestDatabase());
  const member = await makeUser(db);
  const approver = await makeUser(db);
  const admin = await makeUser(db, { globalRole: "admin" });
  const auditor = await makeUser(db, { globalRole: "auditor" });
  // The target of removeMember and setGlobalRole, so those calls change nobody the other tests use.
  const bystander = await makeUser(db);
  const team = await makeTeam(db, [
    { userId: member.id, role: "member" },
    { userId: approver.id, role: "approver" },
    { userId: bystander.id, role: "member" },
  ]);
  const otherTeam = await makeTeam(db);
  ids = { teamId: team.id, otherTeamId: otherTeam.id, bystanderId: bystander.id };
  callers.anonymous = await callerFor(db, null);
  callers.member = await callerFor(db, member.id);
  callers.approver = await callerFor(db, approver.id);
  callers.admin = await callerFor(db, admin.id);
  callers.auditor = await callerFor(db, auditor.id);
});

describe("access rules of every procedure", () => {
  it("lists every procedure of the router", () => {
    // A procedure may have more rows, one per kind of target: "costs.summary (all teams)".
    expect([...new Set(Object.keys(procedures).map((k) => k.replace(/ \(.*\)$/, "")))].sort()).toEqual(Object.keys(appRouter._def.procedures).sort());
  });

  it.each(Object.keys(procedures))("%s answers UNAUTHORIZED without a session", async (path) => {
    const entry = procedures[path]!;
    expect(await codeOf(entry.call(callers.anonymous, ids))).toBe("UNAUTHORIZED");
  });

  const forbiddenCases = Object.entries(procedures).flatMap(([path, entry]) => entry.forbiddenFor.map((persona) => [path, persona] as const));
  it.each(forbiddenCases)("%s answers FORBIDDEN to a %s, naming the missing right", async (path, persona) => {
    const entry = procedures[path]!;
    const error = await entry.call(callers[persona], ids).then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(TRPCError);
    expect((error as TRPCError).code).toBe("FORBIDDEN");
    expect((error as TRPCError).message).toMatch(/admin|auditor|member|approver|read-only/i);
  });

  const allowedCases = Object.entries(procedures).flatMap(([path, entry]) =>
    (["member", "approver", "admin", "auditor"] as const).filter((p) => !entry.forbiddenFor.includes(p)).map((p) => [path, p] as const),
  );
  it.each(allowedCases)("%s is not refused to a %s", async (path, persona) => {
    const code = await codeOf(procedures[path]!.call(callers[persona], ids));
    // Allowed callers may still hit a business rule (e.g. unknown email): never an access error.
    expect(["UNAUTHORIZED", "FORBIDDEN"]).not.toContain(code);
  });
});

describe("auditors are read-only", () => {
  it("refuses every mutation with a read-only message", async () => {
    const error = await callers.auditor.teams
      .create({ slug: "audit-try", name: "Audit try", description: "", costCenter: "CC-9", monthlyBudgetUsd: 1 })
      .catch((e: unknown) => e);
    expect((error as TRPCError).code).toBe("FORBIDDEN");
    expect((error as TRPCError).message).toContain("read-only");
  });

  it("reads every team, like an admin", async () => {
    const teams = await callers.auditor.teams.list();
    expect(teams.map((t) => t.id)).toEqual(expect.arrayContaining([ids.teamId, ids.otherTeamId]));
  });
});

describe("team procedures", () => {
  it("a member lists only their own teams", async () => {
    const teams = await callers.member.teams.list();
    expect(teams.map((t) => t.id)).toEqual([ids.teamId]);
    expect(teams[0]?.myRole).toBe("member");
  });

  it("an unknown team id answers NOT_FOUND, a malformed one BAD_REQUEST naming the field", async () => {
    expect(await codeOf(callers.admin.teams.get({ teamId: randomUUID() }))).toBe("NOT_FOUND");
    const error = (await callers.admin.teams.get({ teamId: "not-a-uuid" }).catch((e: unknown) => e)) as TRPCError;
    expect(error.code).toBe("BAD_REQUEST");
    expect(JSON.stringify(error.cause)).toContain("teamId");
  });
});
