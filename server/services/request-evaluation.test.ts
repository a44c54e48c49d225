import { randomUUID } from "node:crypto";
import { eq } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import type { Database } from "~/db/client";
import { requests, teams, type Team } from "~/db/schema";
import { makeEnvironment, makeResource, markDeleted, markReady } from "~/testing/costs";
import { createTestDatabase } from "~/testing/db";
import { callerFor, makeTeam, makeUser } from "~/testing/fixtures";
import { templateYaml, uniqueTemplateName } from "~/testing/templates";
import { evaluateRequest, teamCommitments } from "./request-evaluation";
import { loadViewer, type Viewer } from "./users";

let db: Database;
let team: Team;
let viewer: Viewer;
let template: string;
let versionId: string;
/** The controllable clock: 10 November 2026, noon UTC; 492 hours left in the month. */
const now = new Date("2026-11-10T12:00:00Z");

async function pendingRequest(values: Partial<typeof requests.$inferInsert>) {
  await db.insert(requests).values({
    teamId: team.id,
    requesterId: viewer.id,
    templateVersionId: versionId,
    environmentName: `pending-${randomUUID().slice(0, 6)}`,
    tier: "dev",
    parameters: {},
    ttlHours: 24,
    justification: "budget fixture",
    plan: { resources: [] },
    hourlyMicros: 0,
    monthlyCents: 0,
    overTtlCents: 0,
    monthShareCents: 0,
    usage: { vcpus: 0, instances: 0, gpus: 0 },
    decision: {},
    status: "pending_approval",
    clientRequestId: randomUUID(),
    ...values,
  });
}

beforeAll(async () => {
  ({ db } = await createTestDatabase());
  const dev = await makeUser(db);
  const admin = await makeUser(db, { globalRole: "admin" });
  team = await makeTeam(db, [{ userId: dev.id, role: "member" }]);
  viewer = (await loadViewer(db, dev.id))!;
  template = uniqueTemplateName("budget");
  const api = await callerFor(db, admin.id);
  const draft = await api.templateAdmin.createDraft({ yaml: templateYaml(template) });
  await api.templateAdmin.publish({ versionId: draft.versionId, expectedLockVersion: draft.lockVersion });
  versionId = draft.versionId;

  // Ran 1 Nov 00:00 → 2 Nov 00:00 at $0.50/h and was destroyed: $12 spent, nothing to come.
  const gone = await makeEnvironment(db, {
    teamId: team.id,
    ownerId: dev.id,
    versionId,
    status: "destroyed",
    expiresAt: new Date("2026-11-02T00:00Z"),
  });
  const old = await makeResource(db, gone.id, { address: "box", hourlyMicros: 500_000 });
  await markReady(db, old.id, "2026-11-01T00:00:00Z");
  await markDeleted(db, old.id, "2026-11-02T00:00:00Z");

  // Ready since 1 Nov 00:00 at $0.10/h until 20 Nov: 228 h spent ($22.80), 228 h to come ($22.80).
  const ready = await makeEnvironment(db, {
    teamId: team.id,
    ownerId: dev.id,
    versionId,
    expiresAt: new Date("2026-11-20T00:00Z"),
    hourlyMicros: 100_000,
  });
  const box = await makeResource(db, ready.id, { address: "box", hourlyMicros: 100_000 });
  await markReady(db, box.id, "2026-11-01T00:00:00Z");

  // Still provisioning, nothing ready yet: its plan's $0.05/h for the 24 h until it expires ($1.20).
  await makeEnvironment(db, {
    teamId: team.id,
    ownerId: dev.id,
    versionId,
    status: "provisioning",
    expiresAt: new Date("2026-11-11T12:00Z"),
    hourlyMicros: 50_000,
  });

  // Expired but not swept yet: its resource still accrues, nothing is to come.
  const expired = await makeEnvironment(db, {
    teamId: team.id,
    ownerId: dev.id,
    versionId,
    expiresAt: new Date("2026-11-10T00:00Z"),
    hourlyMicros: 10_000,
  });
  const lingering = await makeResource(db, expired.id, { address: "box", hourlyMicros: 10_000 });
  await markReady(db, lingering.id, "2026-11-09T12:00:00Z");

  // Not started: a request of this month ($10 share), one from October (1 cent/h over the 492 h left),
  // and an extension of the ready environment ($3 share).
  await pendingRequest({ monthShareCents: 1000, submittedAt: new Date("2026-11-09T00:00Z") });
  await pendingRequest({
    status: "approved",
    hourlyMicros: 10_000,
    ttlHours: 1000,
    monthShareCents: 2000,
    submittedAt: new Date("2026-10-05T00:00Z"),
  });
  await pendingRequest({
    kind: "extend",
    environmentId: ready.id,
    environmentName: ready.name,
    monthShareCents: 300,
    submittedAt: new Date("2026-11-10T00:00Z"),
  });
  // Over: cancelled and rejected requests hold nothing.
  await pendingRequest({ status: "cancelled", monthShareCents: 99_999, submittedAt: new Date("2026-11-09T00:00Z") });
});

const draft = () => ({
  templateName: template,
  tier: "dev" as const,
  environmentName: `new-${randomUUID().slice(0, 6)}`,
  ttlHours: 72,
  parameters: { instance_type: "m5.large" },
});

describe("the budget counts accrued cost and what is still to come, once", () => {
  it("spent = cost records this month; committed = live environments to their expiry + requests not started", async () => {
    const figures = await teamCommitments(db, team.id, now);
    // $12 + $22.80 + 24 h × $0.01 (the expired one).
    expect(figures.spentCents).toBe(1200 + 2280 + 24);
    // $22.80 (ready) + $1.20 (provisioning) + $10 + $4.92 + $3.
    expect(figures.committedCents).toBe(2280 + 120 + 1000 + 492 + 300);
  });

  it("a team whose spend and commitments leave too little is denied under a hard budget", async () => {
    const used = 1200 + 2280 + 24 + 2280 + 120 + 1000 + 492 + 300;
    await db
      .update(teams)
      .set({ monthlyBudgetCents: used + 100, budgetMode: "hard" })
      .where(eq(teams.id, team.id));
    const locked = { ...team, monthlyBudgetCents: used + 100, budgetMode: "hard" as const };
    const evaluation = await evaluateRequest(db, { team: locked, viewer, draft: draft(), now });
    // m5.large for 72 hours is far more than the $1 left.
    expect(evaluation.cost.monthShareCents).toBeGreaterThan(100);
    expect(evaluation.decision.outcome).toBe("denied");
    expect(evaluation.decision.budget).toMatchObject({
      spentCents: 3504,
      committedCents: 4192,
      limitCents: used + 100,
      remainingAfterCents: 100 - evaluation.cost.monthShareCents,
    });
    expect(evaluation.decision.reasons).toContainEqual(
      expect.objectContaining({ rule: "budget", effect: "deny", message: expect.stringMatching(/^exceeds remaining budget: \$1 left of \$78/) }),
    );
  });

  it("the same team under a soft budget needs an admin's approval; with room left it is within budget", async () => {
    const used = 3504 + 4192;
    const soft = { ...team, monthlyBudgetCents: used + 100, budgetMode: "soft" as const };
    const evaluation = await evaluateRequest(db, { team: soft, viewer, draft: draft(), now });
    expect(evaluation.decision.outcome).toBe("needs_approval");
    expect(evaluation.decision.stages).toContainEqual(expect.objectContaining({ role: "admin", reason: "over the remaining budget (soft limit)" }));

    const roomy = { ...team, monthlyBudgetCents: used + 100_000, budgetMode: "hard" as const };
    const fits = await evaluateRequest(db, { team: roomy, viewer, draft: draft(), now });
    expect(fits.decision.outcome).toBe("auto_approved");
    expect(fits.decision.reasons).toContainEqual(expect.objectContaining({ rule: "budget", effect: "allow" }));
  });

  it("time moves money from committed to spent without counting it twice", async () => {
    const later = new Date("2026-11-11T12:00:00Z");
    const [before, after] = [await teamCommitments(db, team.id, now), await teamCommitments(db, team.id, later)];
    // A day later: the ready environment's $2.40 and the expired one's $0.24 are spent. The provisioning
    // environment reached its expiry without a record: its $1.20 is no longer to come.
    expect(after.spentCents - before.spentCents).toBe(240 + 24);
    expect(before.committedCents - after.committedCents).toBe(240 + 120 + 24);
  });
});
