/**
 * Environments as people use them: the list and the page (tags, cost, outputs with secrets
 * masked), revealing a secret (who may, and the audit either way), destroying (confirmation,
 * rights, one run for a double click) and retrying a failed apply that adopts what exists.
 * Real PostgreSQL for the portal, the postgres engine for real secrets, the simulator for faults.
 */
import { randomUUID } from "node:crypto";
import path from "node:path";
import { TRPCError } from "@trpc/server";
import { and, eq, inArray, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "~/db/client";
import { auditEvents, costRecords, environmentResources, environments, notifications, requests, runEvents, runs } from "~/db/schema";
import { createPostgresEngine, type PostgresEngine } from "~/server/engines/postgres/engine";
import { quietSimConfig } from "~/server/engines/sim/cloud";
import { createSimEngine, type SimEngine } from "~/server/engines/sim/engine";
import { executeRun } from "~/server/runner/execute";
import { startApply } from "~/server/runner/start-apply";
import type { EngineRegistry } from "~/server/runner/types";
import { mandatoryTagKeys } from "~/server/templates/format";
import { createTestDatabase } from "~/testing/db";
import { callerFor, makeTeam, makeUser } from "~/testing/fixtures";
import { templateYaml, uniqueTemplateName } from "~/testing/templates";
import { syncTemplates } from "./template-sync";
import { getEnvironment, listEnvironments, revealSecretOutput } from "./environments";
import { loadViewer, type Viewer } from "./users";

type Caller = Awaited<ReturnType<typeof callerFor>>;

let db: Database;
let url: string;
let postgres: PostgresEngine;
let sim: SimEngine;
let teamId: string;
let otherTeamId: string;
let simTemplate: string;
const people = {} as Record<
  "owner" | "member" | "approver" | "admin" | "auditor" | "outsider",
  { id: string; name: string; caller: Caller; viewer: Viewer }
>;

const engines: EngineRegistry = (name) => (name === "postgres" ? postgres : sim);
const worker = { workerId: "environments-test", engines, retry: { attempts: 2, baseMs: 1, maxMs: 2 } };

beforeAll(async () => {
  ({ db, url } = await createTestDatabase());
  await syncTemplates(db, path.resolve(import.meta.dirname, "../../templates"));
  postgres = createPostgresEngine({ adminUrl: url });
  sim = createSimEngine({ db, config: quietSimConfig });
  const users = {
    owner: await makeUser(db, { name: "Olive Owner" }),
    member: await makeUser(db, { name: "Milo Member" }),
    approver: await makeUser(db, { name: "Avery Approver" }),
    admin: await makeUser(db, { globalRole: "admin", name: "Ada Admin" }),
    auditor: await makeUser(db, { globalRole: "auditor", name: "Audrey Auditor" }),
    outsider: await makeUser(db, { name: "Otto Outsider" }),
  };
  teamId = (
    await makeTeam(db, [
      { userId: users.owner.id, role: "member" },
      { userId: users.member.id, role: "member" },
      { userId: users.approver.id, role: "approver" },
    ])
  ).id;
  otherTeamId = (await makeTeam(db, [{ userId: users.outsider.id, role: "member" }])).id;
  for (const [key, user] of Object.entries(users)) {
    people[key as keyof typeof people] = {
      id: user.id,
      name: user.name,
      caller: await callerFor(db, user.id),
      viewer: (await loadViewer(db, user.id))!,
    };
  }
  // A network, a subnet and one instance on the simulator, kept on failure (so a retry has something to adopt).
  simTemplate = uniqueTemplateName("envs");
  const draft = await people.admin.caller.templateAdmin.createDraft({
    yaml: templateYaml(simTemplate, "1.0.0", { spec: { policy: { onFailure: "keep" } } }),
  });
  expect(draft.issueCount).toBe(0);
  await people.admin.caller.templateAdmin.publish({ versionId: draft.versionId, expectedLockVersion: draft.lockVersion });
});

afterAll(async () => {
  await sim.cloud.resetConfig();
  await postgres.close();
});

async function codeOf(promise: Promise<unknown>): Promise<{ code: string; message: string; field: string | null }> {
  try {
    await promise;
    return { code: "OK", message: "", field: null };
  } catch (error) {
    if (!(error instanceof TRPCError)) throw error;
    return { code: error.code, message: error.message, field: (error.cause as { field?: string } | undefined)?.field ?? null };
  }
}

async function provision(input: { template: string; parameters?: Record<string, unknown>; as?: Caller; team?: string; name?: string }) {
  const caller = input.as ?? people.owner.caller;
  const { id: requestId, status } = await caller.requests.submit({
    teamId: input.team ?? teamId,
    templateName: input.template,
    tier: "dev",
    environmentName: input.name ?? `env-${randomUUID().slice(0, 6)}`,
    ttlHours: 24,
    parameters: input.parameters ?? {},
    justification: "Environments service test",
    clientRequestId: randomUUID(),
  });
  expect(status).toBe("queued");
  const runId = await startApply(db, requestId);
  const outcome = await executeRun(db, runId!, worker);
  const [environment] = await db.select().from(environments).where(eq(environments.requestId, requestId));
  return { environment: environment!, requestId, runId: runId!, outcome };
}

const auditOf = (environmentId: string, action: string) =>
  db
    .select()
    .from(auditEvents)
    .where(and(eq(auditEvents.subjectId, environmentId), eq(auditEvents.action, action)))
    .orderBy(auditEvents.id);

describe("a postgres-dev environment: page, outputs and secrets", () => {
  let environmentId: string;
  let password: string;

  beforeAll(async () => {
    const { environment, outcome } = await provision({ template: "postgres-dev", parameters: { database_name: "orders_dev" } });
    expect(outcome).toBe("succeeded");
    environmentId = environment.id;
  });

  it("shows resources with their mandatory tags, provider ids and cost, and outputs with secrets by name only", async () => {
    // Ten hours of running, so the accrued cost is a real figure.
    const now = new Date();
    await db
      .update(costRecords)
      .set({ startedAt: new Date(now.getTime() - 10 * 3_600_000) })
      .where(eq(costRecords.environmentId, environmentId));
    const detail = await people.member.caller.environments.get({ environmentId });
    expect(detail.environment).toMatchObject({ status: "ready", tier: "dev", engine: "postgres" });
    expect(detail.template).toMatchObject({ name: "postgres-dev", title: "PostgreSQL database for development" });
    expect(detail.owner.name).toBe("Olive Owner");
    expect(detail.resources.map((r) => [r.address, r.type, r.status])).toEqual([
      ["app_role", "role", "ready"],
      ["db", "database", "ready"],
    ]);
    for (const resource of detail.resources) {
      expect(resource.providerId).toBeTruthy();
      for (const key of mandatoryTagKeys) expect(resource.tags[key], `${resource.address} tag ${key}`).toBeTruthy();
      expect(resource.tags["environment-id"]).toBe(environmentId);
      expect(resource.tags.owner).toBeTruthy();
    }
    expect(detail.resources.find((r) => r.address === "db")).toMatchObject({
      size: expect.stringContaining("micro"),
      hourlyMicros: expect.any(Number),
    });
    const hourly = detail.resources.reduce((sum, r) => sum + r.hourlyMicros, 0);
    expect(hourly).toBeGreaterThan(0);
    expect(detail.cost.hourlyMicros).toBe(hourly);
    const direct = await getEnvironment(db, people.member.viewer, environmentId, now);
    expect(direct.cost.accruedCents).toBe(Math.round((hourly * 10) / 10_000));
    // The list computes both figures in its one query: the same as the page's.
    const listed = await listEnvironments(db, people.member.viewer, { scope: "teams", limit: 100 }, now);
    expect(listed.environments.find((e) => e.id === environmentId)).toMatchObject({ hourlyMicros: hourly, accruedCents: direct.cost.accruedCents });
    // The request's page (one statement for all it shows) agrees with the environment's.
    const requestPage = await people.member.caller.requests.get({ requestId: detail.request.id });
    expect(requestPage.environment).toMatchObject({
      id: environmentId,
      status: "ready",
      hasSecretOutputs: true,
      expiresAt: expect.any(Date),
      readyAt: expect.any(Date),
    });
    expect(requestPage.environment!.resources.map((r) => [r.address, r.type, r.status, r.providerId])).toEqual(
      detail.resources.map((r) => [r.address, r.type, r.status, r.providerId]),
    );
    expect(requestPage.runs).toEqual([
      expect.objectContaining({ kind: "apply", status: "succeeded", queuedAt: expect.any(Date), finishedAt: expect.any(Date) }),
    ]);
    expect(requestPage.timeline.map((e) => e.action).slice(0, 2)).toEqual(["request.submitted", "request.approved"]);
    expect(requestPage.timeline.every((e) => e.at instanceof Date)).toBe(true);

    expect(detail.outputs.filter((o) => o.sensitive).map((o) => o.name)).toEqual(["connection_string", "password"]);
    expect(detail.outputs.filter((o) => o.sensitive).every((o) => o.value === null)).toBe(true);
    expect(detail.outputs.find((o) => o.name === "database")).toMatchObject({ sensitive: false, value: expect.stringMatching(/^orders_dev_/) });
    expect(detail.secretsUnreadable).toBe(false);

    const revealed = await people.owner.caller.environments.revealSecret({ environmentId, name: "password" });
    password = revealed.value;
    expect(password.length).toBeGreaterThan(10);
    // No value of a secret anywhere in what the page reads.
    expect(JSON.stringify(detail)).not.toContain(password);
  });

  it("gives each person the actions they may take, with the reason for the others", async () => {
    const can = async (who: keyof typeof people) => (await people[who].caller.environments.get({ environmentId })).capabilities;
    expect(await can("owner")).toMatchObject({ canDestroy: true, canRevealSecrets: true, canRetry: false, canExtend: true });
    expect(await can("approver")).toMatchObject({ canDestroy: true, canRevealSecrets: true });
    expect(await can("member")).toMatchObject({
      canDestroy: false,
      canRevealSecrets: false,
      revealWhyNot: "Only the owner (Olive Owner) and the team's approvers can reveal secrets.",
    });
    expect(await can("admin")).toMatchObject({ canDestroy: true, canRevealSecrets: false });
    expect(await can("auditor")).toMatchObject({
      canDestroy: false,
      canRevealSecrets: false,
      canExtend: false,
      destroyWhyNot: "Auditors have read-only access.",
    });
    expect(await codeOf(people.outsider.caller.environments.get({ environmentId }))).toMatchObject({ code: "NOT_FOUND" });
  });

  it("reveals a secret to the owner and the team's approvers, auditing the output's name and never its value", async () => {
    const byApprover = await people.approver.caller.environments.revealSecret({ environmentId, name: "connection_string" });
    expect(byApprover.value).toMatch(/^postgres(ql)?:\/\//);
    expect(byApprover.value).toContain(password);
    const events = await auditOf(environmentId, "environment.secret_revealed");
    expect(events.map((e) => [e.actorId, (e.after as { output: string }).output])).toEqual([
      [people.owner.id, "password"],
      [people.approver.id, "connection_string"],
    ]);
    expect(events.every((e) => e.teamId === teamId)).toBe(true);
    expect(JSON.stringify(events)).not.toContain(password);
  });

  it("refuses everyone else with a clear reason, and records each attempt", async () => {
    const before = (await auditOf(environmentId, "environment.secret_reveal_denied")).length;
    const member = await codeOf(people.member.caller.environments.revealSecret({ environmentId, name: "password" }));
    expect(member).toMatchObject({
      code: "FORBIDDEN",
      message: expect.stringContaining("Only the owner (Olive Owner) and the team's approvers can reveal secret outputs"),
    });
    // An admin is not a team approver here: no secrets.
    expect(await codeOf(people.admin.caller.environments.revealSecret({ environmentId, name: "password" }))).toMatchObject({ code: "FORBIDDEN" });
    // Someone of another team: the environment does not exist for them, but the attempt is recorded.
    expect(await codeOf(people.outsider.caller.environments.revealSecret({ environmentId, name: "password" }))).toMatchObject({ code: "NOT_FOUND" });
    // Auditors are refused through the API and by the service itself, and both attempts are recorded.
    expect(await codeOf(people.auditor.caller.environments.revealSecret({ environmentId, name: "password" }))).toMatchObject({
      code: "FORBIDDEN",
      message: expect.stringContaining("read-only"),
    });
    await expect(revealSecretOutput(db, people.auditor.viewer, { environmentId, name: "password" })).rejects.toMatchObject({ kind: "forbidden" });

    const denied = (await auditOf(environmentId, "environment.secret_reveal_denied")).slice(before);
    expect(denied.map((e) => e.actorId)).toEqual([people.member.id, people.admin.id, people.outsider.id, people.auditor.id, people.auditor.id]);
    expect(denied.map((e) => (e.after as { reason: string }).reason)).toEqual([
      "only the owner and the team's approvers may reveal secrets",
      "only the owner and the team's approvers may reveal secrets",
      "not a member of the team",
      "auditors never see secret values",
      "auditors never see secret values",
    ]);
    expect(JSON.stringify(denied)).not.toContain(password);
  });

  it("names the field for an output that is not a secret of the environment", async () => {
    const result = await codeOf(people.owner.caller.environments.revealSecret({ environmentId, name: "host" }));
    expect(result).toMatchObject({
      code: "BAD_REQUEST",
      field: "name",
      message: expect.stringContaining("has no secret output named host (it has: connection_string, password)"),
    });
    expect(await codeOf(people.owner.caller.environments.revealSecret({ environmentId: randomUUID(), name: "password" }))).toMatchObject({
      code: "NOT_FOUND",
    });
  });
});

describe("destroying", () => {
  it("needs the environment's name typed and the right to destroy; changes nothing otherwise", async () => {
    const { environment } = await provision({ template: simTemplate });
    expect(environment.status).toBe("ready");
    const wrongName = await codeOf(
      people.owner.caller.environments.destroy({
        environmentId: environment.id,
        confirmName: "something-else",
        expectedVersion: environment.version,
      }),
    );
    expect(wrongName).toMatchObject({
      code: "BAD_REQUEST",
      field: "confirmName",
      message: `That is not the environment's name: type ${environment.name} to confirm.`,
    });

    const byMember = await codeOf(
      people.member.caller.environments.destroy({
        environmentId: environment.id,
        confirmName: environment.name,
        expectedVersion: environment.version,
      }),
    );
    expect(byMember).toMatchObject({
      code: "FORBIDDEN",
      message: `Only the owner (Olive Owner), the team's approvers or an admin can destroy ${environment.name}; the attempt was recorded.`,
    });
    expect(await auditOf(environment.id, "environment.destroy_denied")).toEqual([expect.objectContaining({ actorId: people.member.id, teamId })]);
    expect(
      await codeOf(
        people.outsider.caller.environments.destroy({
          environmentId: environment.id,
          confirmName: environment.name,
          expectedVersion: environment.version,
        }),
      ),
    ).toMatchObject({ code: "NOT_FOUND" });
    expect(
      await codeOf(
        people.auditor.caller.environments.destroy({
          environmentId: environment.id,
          confirmName: environment.name,
          expectedVersion: environment.version,
        }),
      ),
    ).toMatchObject({ code: "FORBIDDEN" });

    const stale = await codeOf(
      people.owner.caller.environments.destroy({
        environmentId: environment.id,
        confirmName: environment.name,
        expectedVersion: environment.version - 1,
      }),
    );
    expect(stale).toMatchObject({ code: "CONFLICT", message: expect.stringContaining("changed since you opened it") });

    const [after] = await db.select().from(environments).where(eq(environments.id, environment.id));
    expect(after).toMatchObject({ status: "ready", destroyReason: null, destroyRequestedBy: null, version: environment.version });
    expect(
      await db
        .select()
        .from(runs)
        .where(and(eq(runs.environmentId, environment.id), eq(runs.kind, "destroy"))),
    ).toEqual([]);
  });

  it("the owner destroys it: one run for a double click, the reason recorded, and the runner takes it to destroyed", async () => {
    const { environment, requestId } = await provision({ template: simTemplate });
    const input = { environmentId: environment.id, confirmName: environment.name, expectedVersion: environment.version };
    const [first, second] = await Promise.all([
      codeOf(people.owner.caller.environments.destroy(input)),
      codeOf(people.owner.caller.environments.destroy(input)),
    ]);
    expect([first.code, second.code].sort()).toEqual(["CONFLICT", "OK"]);
    expect([first, second].find((r) => r.code === "CONFLICT")?.message).toBe(
      `${environment.name} cannot be destroyed: it is already being destroyed.`,
    );

    const destroyRuns = await db
      .select()
      .from(runs)
      .where(and(eq(runs.environmentId, environment.id), eq(runs.kind, "destroy")));
    expect(destroyRuns).toHaveLength(1);
    const [destroying] = await db.select().from(environments).where(eq(environments.id, environment.id));
    expect(destroying).toMatchObject({ status: "destroying", destroyReason: "owner", destroyRequestedBy: people.owner.id });
    const jobs = await db.execute<{ n: number }>(
      sql`select count(*)::int as n from graphile_worker.jobs where task_identifier = 'resume_run' and key = ${`resume:${destroyRuns[0]!.id}`}`,
    );
    expect(jobs.rows[0]?.n).toBe(1);
    const [requested] = await auditOf(environment.id, "environment.destroy_requested");
    expect(requested).toMatchObject({
      actorId: people.owner.id,
      correlationId: requestId,
      after: { status: "destroying", reason: "owner", runId: destroyRuns[0]!.id, resources: 3 },
    });
    // The page follows: the run is listed, destroying is no longer offered.
    const page = await people.owner.caller.environments.get({ environmentId: environment.id });
    expect(page.runs[0]).toMatchObject({ id: destroyRuns[0]!.id, kind: "destroy", status: "queued" });
    expect(page.capabilities).toMatchObject({ canDestroy: false, destroyWhyNot: "It cannot be destroyed now: it is already being destroyed." });

    expect(await executeRun(db, destroyRuns[0]!.id, worker)).toBe("succeeded");
    const gone = await people.owner.caller.environments.get({ environmentId: environment.id });
    expect(gone.environment.status).toBe("destroyed");
    expect(gone.resources.every((r) => r.status === "deleted" && r.deletedAt !== null)).toBe(true);
    expect(gone.cost.hourlyMicros).toBe(0);
    expect(await sim.cloud.inventory({ tags: { "environment-id": environment.id } })).toEqual([]);
    const [request] = await db.select().from(requests).where(eq(requests.id, requestId));
    expect(request?.status).toBe("destroyed");
  });

  it("a team approver or an admin destroys someone else's environment; the owner is told, and the reason says who", async () => {
    for (const who of ["approver", "admin"] as const) {
      const { environment } = await provision({ template: simTemplate });
      const result = await people[who].caller.environments.destroy({
        environmentId: environment.id,
        confirmName: ` ${environment.name} `,
        expectedVersion: environment.version,
      });
      expect(result.status).toBe("destroying");
      const [row] = await db.select().from(environments).where(eq(environments.id, environment.id));
      expect(row).toMatchObject({ destroyReason: who, destroyRequestedBy: people[who].id });
      const told = await db
        .select()
        .from(notifications)
        .where(
          and(
            eq(notifications.userId, people.owner.id),
            eq(notifications.kind, "environment_destroying"),
            eq(notifications.requestId, environment.requestId),
          ),
        );
      expect(told).toEqual([expect.objectContaining({ title: `${environment.name} is being destroyed`, link: `/environments/${environment.id}` })]);
    }
  });
});

describe("retrying a failed apply", () => {
  it("starts one new apply that adopts the resources kept from the failed one", async () => {
    // Room for no more instances: the network and subnet are made, the instance fails (kept, by policy).
    const [usage] = await sim.cloud.quotaUsage({ region: "us-east-1" });
    await sim.cloud.configure({ quotas: { [`${sim.cloud.account}/us-east-1`]: { instances: usage?.usage.instances ?? 0 } } });
    const { environment, requestId, outcome } = await provision({ template: simTemplate });
    expect(outcome).toBe("failed");
    const failed = await people.owner.caller.environments.get({ environmentId: environment.id });
    expect(failed.environment.status).toBe("failed");
    expect(failed.capabilities).toMatchObject({ canRetry: true, canDestroy: true });
    expect((await people.member.caller.environments.get({ environmentId: environment.id })).capabilities).toMatchObject({ canRetry: false });
    const kept = await db
      .select()
      .from(environmentResources)
      .where(and(eq(environmentResources.environmentId, environment.id), eq(environmentResources.status, "ready")));
    expect(kept.map((r) => r.address).sort()).toEqual(["net", "subnet"]);

    expect(await codeOf(people.member.caller.environments.retry({ environmentId: environment.id }))).toMatchObject({
      code: "FORBIDDEN",
      message: `Only the owner (Olive Owner), the team's approvers or an admin can retry ${environment.name}.`,
    });
    const [first, second] = await Promise.all([
      codeOf(people.owner.caller.environments.retry({ environmentId: environment.id })),
      codeOf(people.owner.caller.environments.retry({ environmentId: environment.id })),
    ]);
    expect([first.code, second.code].sort()).toEqual(["CONFLICT", "OK"]);
    const applies = await db
      .select()
      .from(runs)
      .where(and(eq(runs.environmentId, environment.id), eq(runs.kind, "apply")))
      .orderBy(runs.queuedAt);
    expect(applies.map((r) => r.status)).toEqual(["failed", "queued"]);
    const retryRun = applies[1]!;
    const [provisioning] = await db.select().from(environments).where(eq(environments.id, environment.id));
    expect(provisioning).toMatchObject({ status: "provisioning", failureSummary: null });
    expect((await db.select().from(requests).where(eq(requests.id, requestId)))[0]?.status).toBe("provisioning");
    const jobs = await db.execute<{ n: number }>(
      sql`select count(*)::int as n from graphile_worker.jobs where task_identifier = 'resume_run' and key = ${`resume:${retryRun.id}`}`,
    );
    expect(jobs.rows[0]?.n).toBe(1);
    expect(await auditOf(environment.id, "environment.retry_requested")).toEqual([
      expect.objectContaining({ actorId: people.owner.id, after: { status: "provisioning", runId: retryRun.id } }),
    ]);

    // The quota is lifted; the worker runs the retry.
    await sim.cloud.resetConfig();
    expect(await executeRun(db, retryRun.id, worker)).toBe("succeeded");
    const ready = await people.owner.caller.environments.get({ environmentId: environment.id });
    expect(ready.environment.status).toBe("ready");
    expect(ready.resources.map((r) => [r.address, r.status])).toEqual([
      ["net", "ready"],
      ["subnet", "ready"],
      ["box", "ready"],
    ]);
    // Adopted, not made again: the same provider ids, and exactly one live resource each in the cloud.
    for (const row of kept) expect(ready.resources.find((r) => r.address === row.address)?.providerId).toBe(row.providerId);
    const live = await sim.cloud.inventory({ tags: { "environment-id": environment.id } });
    expect(live).toHaveLength(3);
    const log = await db.select({ message: runEvents.message }).from(runEvents).where(eq(runEvents.runId, retryRun.id)).orderBy(runEvents.id);
    expect(log.map((l) => l.message)).toEqual(
      expect.arrayContaining([expect.stringMatching(/^Retry of the failed apply requested by Olive Owner/), "Plan: 3 resources, 2 already created"]),
    );

    expect(await codeOf(people.owner.caller.environments.retry({ environmentId: environment.id }))).toMatchObject({
      code: "CONFLICT",
      message: `${environment.name} cannot be retried: it is ready.`,
    });
  });
});

describe("the list", () => {
  it("shows mine and my teams' environments with filters; other teams' only to admins and auditors", async () => {
    const outsiders = await provision({
      template: simTemplate,
      as: people.outsider.caller,
      team: otherTeamId,
      name: `zz-other-${randomUUID().slice(0, 4)}`,
    });
    const membersOwn = await provision({ template: simTemplate, as: people.member.caller, name: `mm-member-${randomUUID().slice(0, 4)}` });
    const ids = (r: { environments: { id: string }[] }) => r.environments.map((e) => e.id);

    const mine = await people.member.caller.environments.list({ scope: "mine" });
    expect(ids(mine)).toEqual([membersOwn.environment.id]);
    const teams = await people.member.caller.environments.list({ scope: "teams" });
    expect(ids(teams)).toContain(membersOwn.environment.id);
    expect(teams.environments.every((e) => e.teamId === teamId)).toBe(true);
    expect(ids(teams)).not.toContain(outsiders.environment.id);
    expect(teams.templateNames).toEqual(expect.arrayContaining(["postgres-dev", simTemplate]));
    for (const who of ["admin", "auditor"] as const)
      expect(ids(await people[who].caller.environments.list({ scope: "teams", limit: 100 }))).toContain(outsiders.environment.id);
    expect(ids(await people.outsider.caller.environments.list({ scope: "teams" }))).toEqual([outsiders.environment.id]);

    const row = teams.environments.find((e) => e.id === membersOwn.environment.id)!;
    expect(row).toMatchObject({
      status: "ready",
      tier: "dev",
      ownerName: "Milo Member",
      templateName: simTemplate,
      templateVersion: "1.0.0",
      accruedCents: expect.any(Number),
      hourlyMicros: expect.any(Number),
    });
    expect(row.hourlyMicros).toBeGreaterThan(0);

    const list = (input: Parameters<typeof listEnvironments>[2]) => listEnvironments(db, people.owner.viewer, input).then(ids);
    const base = { scope: "teams" as const, limit: 100 };
    expect(await list({ ...base, status: "destroyed" })).not.toContain(membersOwn.environment.id);
    expect(await list({ ...base, status: "ready" })).toContain(membersOwn.environment.id);
    expect(await list({ ...base, template: "postgres-dev" })).not.toContain(membersOwn.environment.id);
    expect(await list({ ...base, tier: "prod" })).toEqual([]);
    // No row matches: the template filter still offers the same names.
    const none = await listEnvironments(db, people.owner.viewer, { ...base, tier: "prod" });
    expect(none.templateNames).toEqual((await listEnvironments(db, people.owner.viewer, base)).templateNames);
    expect(none.templateNames).toContain(simTemplate);
    expect(await list({ ...base, search: "mm-member" })).toEqual([membersOwn.environment.id]);
    // Expiring soon: within 24 hours counts it (TTL 24 h), within 1 hour does not; destroyed ones never.
    expect(await list({ ...base, expiringWithinHours: 24 })).toContain(membersOwn.environment.id);
    expect(await list({ ...base, expiringWithinHours: 1 })).not.toContain(membersOwn.environment.id);
    const destroyed = await db
      .select({ id: environments.id })
      .from(environments)
      .where(inArray(environments.status, ["destroyed", "destroying"]));
    const expiring = await list({ ...base, expiringWithinHours: 48 });
    for (const d of destroyed) expect(expiring).not.toContain(d.id);

    // Pages: newest request first, the cursor continues where the page ended.
    const first = await people.owner.caller.environments.list({ scope: "teams", limit: 2 });
    expect(first.environments).toHaveLength(2);
    const next = await people.owner.caller.environments.list({ scope: "teams", limit: 2, cursor: first.nextCursor! });
    expect(next.templateNames).toBeNull();
    expect(ids(next).some((id) => ids(first).includes(id))).toBe(false);
  });
});
