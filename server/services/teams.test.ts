import { TRPCError } from "@trpc/server";
import { eq } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import type { ZodError } from "zod";
import type { Database } from "~/db/client";
import { auditEvents, teams } from "~/db/schema";
import { createTestDatabase } from "~/testing/db";
import { callerFor, makeUser } from "~/testing/fixtures";
import { createTeamInput, updateTeamInput } from "~/server/schemas/teams";
import { ServiceError } from "~/server/core/errors";
import { createTeam, getTeamWithMembers, removeMembership, setMembership, updateTeam } from "./teams";

let db: Database;
const admin = { id: null as unknown as string, label: "admin@example.test" };

beforeAll(async () => {
  ({ db } = await createTestDatabase());
  admin.id = (await makeUser(db, { globalRole: "admin" })).id;
});

const newTeam = (slug: string) => ({ slug, name: `Team ${slug}`, description: "", costCenter: "CC-77", monthlyBudgetUsd: 2500 });

async function auditFor(subjectId: string) {
  return db.select().from(auditEvents).where(eq(auditEvents.subjectId, subjectId));
}

describe("teams service", () => {
  it("creates a team with its budget in cents and an audit event", async () => {
    const team = await createTeam(db, admin, newTeam("ledger"));
    expect(team.monthlyBudgetCents).toBe(250_000);
    const events = await auditFor(team.id);
    expect(events.map((e) => e.action)).toEqual(["team.created"]);
    expect(events[0]?.actorLabel).toBe("admin@example.test");
  });

  it("refuses a duplicate slug naming the field, and writes nothing", async () => {
    await createTeam(db, admin, newTeam("dupe"));
    const before = await db.select().from(auditEvents);
    const error = await createTeam(db, admin, newTeam("dupe")).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ServiceError);
    expect((error as ServiceError).field).toBe("slug");
    expect((error as ServiceError).kind).toBe("conflict");
    expect(await db.select().from(auditEvents)).toHaveLength(before.length);
  });

  it("updates with an optimistic version check: a stale editor gets a conflict", async () => {
    const team = await createTeam(db, admin, newTeam("versioned"));
    const edit = { ...newTeam("versioned"), monthlyBudgetUsd: 9000, expectedVersion: team.version };
    const updated = await updateTeam(db, admin, team.id, edit);
    expect(updated.version).toBe(team.version + 1);
    expect(updated.monthlyBudgetCents).toBe(900_000);
    const stale = await updateTeam(db, admin, team.id, { ...edit, monthlyBudgetUsd: 1 }).catch((e: unknown) => e);
    expect((stale as ServiceError).kind).toBe("conflict");
    const [row] = await db.select().from(teams).where(eq(teams.id, team.id));
    expect(row?.monthlyBudgetCents).toBe(900_000);
    const events = await auditFor(team.id);
    expect(events.map((e) => e.action)).toEqual(["team.created", "team.updated"]);
    expect(events[1]?.before).toMatchObject({ monthlyBudgetCents: 250_000 });
    expect(events[1]?.after).toMatchObject({ monthlyBudgetCents: 900_000 });
  });

  it("two admins saving the same version at once: exactly one wins", async () => {
    const team = await createTeam(db, admin, newTeam("race"));
    const attempts = await Promise.allSettled(
      [100, 200, 300].map((usd) => updateTeam(db, admin, team.id, { ...newTeam("race"), monthlyBudgetUsd: usd, expectedVersion: team.version })),
    );
    expect(attempts.filter((a) => a.status === "fulfilled")).toHaveLength(1);
    expect((await auditFor(team.id)).filter((e) => e.action === "team.updated")).toHaveLength(1);
  });

  it("adds a member, changes the role, removes them; each step audited once", async () => {
    const team = await createTeam(db, admin, newTeam("people"));
    const person = await makeUser(db);
    expect(await setMembership(db, admin, { teamId: team.id, email: person.email.toUpperCase(), role: "member" })).toEqual({ changed: true });
    expect(await setMembership(db, admin, { teamId: team.id, email: person.email, role: "member" })).toEqual({ changed: false });
    await setMembership(db, admin, { teamId: team.id, email: person.email, role: "approver" });
    expect((await getTeamWithMembers(db, team.id)).members).toMatchObject([{ email: person.email, role: "approver" }]);
    await removeMembership(db, admin, { teamId: team.id, userId: person.id });
    expect((await getTeamWithMembers(db, team.id)).members).toEqual([]);
    const actions = (await db.select().from(auditEvents).where(eq(auditEvents.teamId, team.id))).map((e) => e.action);
    expect(actions).toEqual(["team.created", "membership.added", "membership.role_changed", "membership.removed"]);
  });

  it("refuses a membership for an email nobody signed in with, naming the field", async () => {
    const team = await createTeam(db, admin, newTeam("ghosts"));
    const error = (await setMembership(db, admin, { teamId: team.id, email: "ghost@example.test", role: "member" }).catch(
      (e: unknown) => e,
    )) as ServiceError;
    expect(error.kind).toBe("invalid");
    expect(error.field).toBe("email");
    expect(error.message).toContain("ghost@example.test");
  });
});

describe("budget mode, approval threshold and quotas", () => {
  const limits = { budgetMode: "soft" as const, approvalThresholdUsd: 500, quotaVcpus: 64, quotaInstances: 20, quotaGpus: 0 };

  it("a new team without them is hard-budgeted, with no threshold and no quotas", async () => {
    const team = await createTeam(db, admin, newTeam("plain"));
    expect(team).toMatchObject({ budgetMode: "hard", approvalThresholdCents: null, quotaVcpus: null, quotaInstances: null, quotaGpus: null });
  });

  it("creates a team with them: dollars stored as cents, 0 kept as a real limit, all in the audit event", async () => {
    const team = await createTeam(db, admin, { ...newTeam("limited"), ...limits });
    expect(team).toMatchObject({ budgetMode: "soft", approvalThresholdCents: 50_000, quotaVcpus: 64, quotaInstances: 20, quotaGpus: 0 });
    const [event] = await auditFor(team.id);
    expect(event?.after).toMatchObject({ budgetMode: "soft", approvalThresholdCents: 50_000, quotaVcpus: 64, quotaInstances: 20, quotaGpus: 0 });
  });

  it("updates them with before and after in the audit event; null means none or unlimited", async () => {
    const team = await createTeam(db, admin, { ...newTeam("tuned"), ...limits });
    const updated = await updateTeam(db, admin, team.id, {
      ...newTeam("tuned"),
      budgetMode: "hard",
      approvalThresholdUsd: null,
      quotaVcpus: 128,
      quotaInstances: null,
      quotaGpus: 4,
      expectedVersion: team.version,
    });
    expect(updated).toMatchObject({
      budgetMode: "hard",
      approvalThresholdCents: null,
      quotaVcpus: 128,
      quotaInstances: null,
      quotaGpus: 4,
      version: team.version + 1,
    });
    const [, event] = await auditFor(team.id);
    expect(event?.action).toBe("team.updated");
    expect(event?.before).toMatchObject({ budgetMode: "soft", approvalThresholdCents: 50_000, quotaVcpus: 64, quotaInstances: 20, quotaGpus: 0 });
    expect(event?.after).toMatchObject({ budgetMode: "hard", approvalThresholdCents: null, quotaVcpus: 128, quotaInstances: null, quotaGpus: 4 });
  });

  it("an update that leaves them out keeps them", async () => {
    const team = await createTeam(db, admin, { ...newTeam("kept"), ...limits });
    const updated = await updateTeam(db, admin, team.id, { ...newTeam("kept"), name: "Kept renamed", expectedVersion: team.version });
    expect(updated).toMatchObject({
      name: "Kept renamed",
      budgetMode: "soft",
      approvalThresholdCents: 50_000,
      quotaVcpus: 64,
      quotaInstances: 20,
      quotaGpus: 0,
    });
  });

  it.each([
    [{ budgetMode: "strict" }, "budgetMode", "must be hard or soft"],
    [{ approvalThresholdUsd: -1 }, "approvalThresholdUsd", "cannot be negative"],
    [{ approvalThresholdUsd: 12.5 }, "approvalThresholdUsd", "whole dollars"],
    [{ quotaVcpus: 1.5 }, "quotaVcpus", "must be a whole number"],
    [{ quotaInstances: -3 }, "quotaInstances", "cannot be negative"],
    [{ quotaGpus: Number.NaN }, "quotaGpus", "must be a whole number (leave empty for unlimited)"],
    [{ quotaGpus: "4" }, "quotaGpus", "must be a whole number (leave empty for unlimited)"],
  ])("refuses %j naming %s", (change, field, message) => {
    for (const schema of [createTeamInput, updateTeamInput]) {
      const result = schema.safeParse({ ...newTeam("checked"), expectedVersion: 1, ...change });
      expect(result.success).toBe(false);
      expect(result.error?.issues).toEqual([expect.objectContaining({ path: [field], message })]);
    }
  });

  it("through the API, a bad quota is a BAD_REQUEST naming the field, and nothing changes", async () => {
    const team = await createTeam(db, admin, { ...newTeam("api-checked"), ...limits });
    const caller = await callerFor(db, admin.id);
    const error = await caller.teams
      .update({ teamId: team.id, ...newTeam("api-checked"), ...limits, quotaVcpus: -5, expectedVersion: team.version })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TRPCError);
    expect((error as TRPCError).code).toBe("BAD_REQUEST");
    expect(((error as TRPCError).cause as ZodError).issues.map((i) => i.path.join("."))).toEqual(["quotaVcpus"]);
    const [row] = await db.select().from(teams).where(eq(teams.id, team.id));
    expect(row).toMatchObject({ quotaVcpus: 64, version: team.version });
    expect((await auditFor(team.id)).map((e) => e.action)).toEqual(["team.created"]);
  });
});
