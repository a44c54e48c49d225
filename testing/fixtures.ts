import { randomBytes, randomUUID } from "node:crypto";
import type { Database } from "~/db/client";
import { memberships, teams, users, type GlobalRole, type MembershipRole } from "~/db/schema";
import { createCaller } from "~/server/api/root";
import { createContext } from "~/server/api/trpc";
import { createLogger } from "~/server/logger";
import { loadViewer } from "~/server/services/users";

const unique = () => randomBytes(4).toString("hex");

export async function makeUser(db: Database, options: { globalRole?: GlobalRole | null; name?: string } = {}) {
  const id = unique();
  const [user] = await db
    .insert(users)
    .values({ email: `user-${id}@example.test`, name: options.name ?? `User ${id}`, globalRole: options.globalRole ?? null })
    .returning();
  if (!user) throw new Error("no user");
  return user;
}

export async function makeTeam(db: Database, members: { userId: string; role: MembershipRole }[] = []) {
  const id = unique();
  const [team] = await db
    .insert(teams)
    .values({ slug: `team-${id}`, name: `Team ${id}`, costCenter: `CC-${id}`, monthlyBudgetCents: 100_000 })
    .returning();
  if (!team) throw new Error("no team");
  for (const m of members) await db.insert(memberships).values({ teamId: team.id, userId: m.userId, role: m.role });
  return team;
}

/** Tests call the API thousands of times; its one line per call stays out of their output. */
const quiet = createLogger(undefined, "silent");

/** The API as this user (or anonymous with null), through the same procedures the browser uses. */
export async function callerFor(db: Database, userId: string | null) {
  const viewer = userId ? await loadViewer(db, userId) : null;
  return createCaller(createContext(db, viewer, { log: quiet }));
}

/** A dev bastion host requested by `caller` for `teamId` (the runner tests' usual environment), named `<prefix>-<random>`; its request id. */
export async function submitBastion(
  caller: Awaited<ReturnType<typeof callerFor>>,
  teamId: string,
  prefix: string,
  justification: string,
): Promise<string> {
  const { id } = await caller.requests.submit({
    teamId,
    templateName: "bastion-host",
    tier: "dev",
    environmentName: `${prefix}-${randomUUID().slice(0, 6)}`,
    ttlHours: 24,
    parameters: {},
    justification,
    clientRequestId: randomUUID(),
  });
  return id;
}
