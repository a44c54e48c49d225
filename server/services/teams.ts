import { and, asc, eq, sql } from "drizzle-orm";
import type { z } from "zod";
import type { Database } from "~/db/client";
import { memberships, teams, users, type MembershipRole } from "~/db/schema";
import { recordAudit, type Actor } from "~/server/core/audit";
import { type createTeamInput, type teamFields, type updateTeamInput } from "~/server/schemas/teams";
import { ServiceError, notFound } from "~/server/core/errors";

function publicTeam(team: typeof teams.$inferSelect) {
  return {
    id: team.id,
    slug: team.slug,
    name: team.name,
    description: team.description,
    costCenter: team.costCenter,
    monthlyBudgetCents: team.monthlyBudgetCents,
    budgetMode: team.budgetMode,
    approvalThresholdCents: team.approvalThresholdCents,
    quotaVcpus: team.quotaVcpus,
    quotaInstances: team.quotaInstances,
    quotaGpus: team.quotaGpus,
    version: team.version,
  };
}

const centsOf = (usd: number | null) => (usd === null ? null : usd * 100);

/**
 * The budget mode, threshold and quotas the input states, as columns. Left-out fields are left
 * out here too, so an update keeps them and an insert takes the column defaults (hard budget,
 * no threshold, unlimited quotas).
 */
function limitColumns(input: z.infer<typeof teamFields>) {
  const columns: Partial<Pick<typeof teams.$inferInsert, "budgetMode" | "approvalThresholdCents" | "quotaVcpus" | "quotaInstances" | "quotaGpus">> =
    {};
  if (input.budgetMode !== undefined) columns.budgetMode = input.budgetMode;
  if (input.approvalThresholdUsd !== undefined) columns.approvalThresholdCents = centsOf(input.approvalThresholdUsd);
  if (input.quotaVcpus !== undefined) columns.quotaVcpus = input.quotaVcpus;
  if (input.quotaInstances !== undefined) columns.quotaInstances = input.quotaInstances;
  if (input.quotaGpus !== undefined) columns.quotaGpus = input.quotaGpus;
  return columns;
}

/**
 * Teams with the viewer's role in each: only their own teams, or every team (`all`, for admins
 * and auditors) with `myRole` still saying where the viewer is a member.
 */
export async function listTeams(db: Database, filter: { userId: string; all?: boolean }) {
  const memberCount = sql<number>`(select count(*)::int from ${memberships} m where m.team_id = ${teams.id})`;
  const mine = and(eq(memberships.teamId, teams.id), eq(memberships.userId, filter.userId));
  const query = db.select({ team: teams, memberCount, myRole: memberships.role }).from(teams);
  const rows = filter.all
    ? await query.leftJoin(memberships, mine).orderBy(asc(teams.name))
    : await query.innerJoin(memberships, mine).orderBy(asc(teams.name));
  return rows.map((r) => ({ ...publicTeam(r.team), memberCount: r.memberCount, myRole: r.myRole }));
}

export async function getTeamWithMembers(db: Database, teamId: string) {
  const team = await db.query.teams.findFirst({ where: eq(teams.id, teamId) });
  if (!team) throw notFound("Team");
  const members = await db
    .select({ userId: users.id, email: users.email, name: users.name, role: memberships.role, since: memberships.createdAt })
    .from(memberships)
    .innerJoin(users, eq(users.id, memberships.userId))
    .where(eq(memberships.teamId, teamId))
    .orderBy(asc(users.name));
  return { ...publicTeam(team), members };
}

export async function createTeam(db: Database, actor: Actor, input: z.infer<typeof createTeamInput>) {
  return db.transaction(async (tx) => {
    const [team] = await tx
      .insert(teams)
      .values({
        slug: input.slug,
        name: input.name,
        description: input.description,
        costCenter: input.costCenter,
        monthlyBudgetCents: input.monthlyBudgetUsd * 100,
        ...limitColumns(input),
      })
      .onConflictDoNothing({ target: teams.slug })
      .returning();
    if (!team) throw new ServiceError("conflict", `A team with the slug "${input.slug}" already exists.`, "slug");
    await recordAudit(tx, actor, {
      action: "team.created",
      subjectType: "team",
      subjectId: team.id,
      teamId: team.id,
      after: publicTeam(team),
    });
    return publicTeam(team);
  });
}

export async function updateTeam(db: Database, actor: Actor, teamId: string, input: z.infer<typeof updateTeamInput>) {
  return db.transaction(async (tx) => {
    const before = await tx.query.teams.findFirst({ where: eq(teams.id, teamId) });
    if (!before) throw notFound("Team");
    const [after] = await tx
      .update(teams)
      .set({
        name: input.name,
        description: input.description,
        costCenter: input.costCenter,
        monthlyBudgetCents: input.monthlyBudgetUsd * 100,
        ...limitColumns(input),
        version: sql`${teams.version} + 1`,
        updatedAt: new Date(),
      })
      .where(and(eq(teams.id, teamId), eq(teams.version, input.expectedVersion)))
      .returning();
    if (!after) {
      throw new ServiceError("conflict", "Someone else changed this team since you opened it. Reload and try again.");
    }
    await recordAudit(tx, actor, {
      action: "team.updated",
      subjectType: "team",
      subjectId: teamId,
      teamId,
      before: publicTeam(before),
      after: publicTeam(after),
    });
    return publicTeam(after);
  });
}

export async function setMembership(db: Database, actor: Actor, input: { teamId: string; email: string; role: MembershipRole }) {
  return db.transaction(async (tx) => {
    const team = await tx.query.teams.findFirst({ where: eq(teams.id, input.teamId) });
    if (!team) throw notFound("Team");
    const user = await tx.query.users.findFirst({ where: sql`lower(${users.email}) = ${input.email.toLowerCase()}` });
    if (!user) {
      throw new ServiceError("invalid", `No user with the email ${input.email} has signed in yet.`, "email");
    }
    const existing = await tx.query.memberships.findFirst({
      where: and(eq(memberships.teamId, team.id), eq(memberships.userId, user.id)),
    });
    if (existing?.role === input.role) return { changed: false };
    await tx
      .insert(memberships)
      .values({ teamId: team.id, userId: user.id, role: input.role })
      .onConflictDoUpdate({
        target: [memberships.teamId, memberships.userId],
        set: { role: input.role, updatedAt: new Date() },
      });
    await recordAudit(tx, actor, {
      action: existing ? "membership.role_changed" : "membership.added",
      subjectType: "membership",
      subjectId: `${team.id}:${user.id}`,
      teamId: team.id,
      before: existing ? { email: user.email, role: existing.role } : null,
      after: { email: user.email, role: input.role },
    });
    return { changed: true };
  });
}

export async function removeMembership(db: Database, actor: Actor, input: { teamId: string; userId: string }) {
  return db.transaction(async (tx) => {
    const [removed] = await tx
      .delete(memberships)
      .where(and(eq(memberships.teamId, input.teamId), eq(memberships.userId, input.userId)))
      .returning();
    if (!removed) throw notFound("Membership");
    await recordAudit(tx, actor, {
      action: "membership.removed",
      subjectType: "membership",
      subjectId: `${input.teamId}:${input.userId}`,
      teamId: input.teamId,
      before: { userId: input.userId, role: removed.role },
    });
    return { removed: true };
  });
}
