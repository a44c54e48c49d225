import type { Database } from "./client";
import { auditEvents, memberships, teams, users, type GlobalRole, type MembershipRole } from "./schema";

/** Demo people, one per persona, all signing in through the demo sign-in. */
export const demoUsers: { email: string; name: string; persona: string; globalRole: GlobalRole | null }[] = [
  { email: "dev@provisio.local", name: "Dana Developer", persona: "developer", globalRole: null },
  { email: "approver@provisio.local", name: "Avery Approver", persona: "approver", globalRole: null },
  { email: "approver2@provisio.local", name: "Sam Second-Approver", persona: "approver", globalRole: null },
  { email: "admin@provisio.local", name: "Ada Admin", persona: "admin", globalRole: "admin" },
  { email: "auditor@provisio.local", name: "Audrey Auditor", persona: "auditor", globalRole: "auditor" },
];

export const demoTeams = [
  {
    slug: "payments",
    name: "Payments Platform",
    description: "Card processing, ledgers and payouts.",
    costCenter: "CC-1042",
    monthlyBudgetCents: 500_000,
    budgetMode: "hard" as const,
    approvalThresholdCents: 50_000,
    quotaVcpus: 64,
    quotaInstances: 20,
    quotaGpus: 0,
  },
  {
    slug: "data-science",
    name: "Data Science",
    description: "Model training, feature pipelines and notebooks.",
    costCenter: "CC-2210",
    monthlyBudgetCents: 1_200_000,
    budgetMode: "soft" as const,
    quotaGpus: 4,
  },
];

const demoMemberships: { team: string; email: string; role: MembershipRole }[] = [
  { team: "payments", email: "dev@provisio.local", role: "member" },
  { team: "payments", email: "approver@provisio.local", role: "approver" },
  { team: "payments", email: "approver2@provisio.local", role: "approver" },
  { team: "data-science", email: "dev@provisio.local", role: "member" },
  { team: "data-science", email: "approver@provisio.local", role: "approver" },
];

/**
 * Inserts the demo teams, users and memberships that are missing. Rows that already exist
 * are left as they are, so an admin's changes to the demo data survive a restart.
 * Refuses to run unless the caller states this is a demo install.
 */
export async function seedDemoData(db: Database, options: { demo: boolean }): Promise<{ inserted: number }> {
  if (!options.demo) {
    throw new Error("Refusing to seed demo data: this is not a demo install (set PROVISIO_DEMO=true to allow it).");
  }
  return db.transaction(async (tx) => {
    let inserted = 0;
    for (const user of demoUsers) {
      const rows = await tx
        .insert(users)
        .values({ email: user.email, name: user.name, globalRole: user.globalRole, isDemo: true })
        .onConflictDoNothing()
        .returning({ id: users.id });
      inserted += rows.length;
    }
    for (const team of demoTeams) {
      const rows = await tx.insert(teams).values(team).onConflictDoNothing().returning({ id: teams.id });
      inserted += rows.length;
    }
    const teamIds = new Map((await tx.select({ id: teams.id, slug: teams.slug }).from(teams)).map((t) => [t.slug, t.id]));
    const userIds = new Map((await tx.select({ id: users.id, email: users.email }).from(users)).map((u) => [u.email.toLowerCase(), u.id]));
    for (const m of demoMemberships) {
      const teamId = teamIds.get(m.team);
      const userId = userIds.get(m.email);
      if (!teamId || !userId) continue;
      const rows = await tx
        .insert(memberships)
        .values({ teamId, userId, role: m.role })
        .onConflictDoNothing()
        .returning({ teamId: memberships.teamId });
      inserted += rows.length;
    }
    if (inserted > 0) {
      await tx.insert(auditEvents).values({
        actorLabel: "system",
        action: "demo.seeded",
        subjectType: "system",
        subjectId: "demo-data",
        after: { inserted },
      });
    }
    return { inserted };
  });
}
