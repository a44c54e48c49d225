import { eq, sql } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import type { Database } from "~/db/client";
import { costRecords, environmentResources, teams, type Team } from "~/db/schema";
import { makeEnvironment, makePublishedVersion, makeResource, markDeleted, markReady } from "~/testing/costs";
import { createTestDatabase } from "~/testing/db";
import { callerFor, makeTeam, makeUser } from "~/testing/fixtures";
import { accruedCentsByEnvironment } from "./cost-accrual";
import { accruedMicros, costSummary } from "./costs";
import { ServiceError } from "~/server/core/errors";

let db: Database;
let team: Team;
let otherTeam: Team;
let ownerId: string;
const envs = {} as Record<"old" | "db" | "app" | "other", { id: string }>;
/** The controllable clock: Tuesday 10 November 2026, noon UTC. */
const now = new Date("2026-11-10T12:00:00Z");

beforeAll(async () => {
  ({ db } = await createTestDatabase());
  const owner = await makeUser(db);
  ownerId = owner.id;
  team = await makeTeam(db, [{ userId: owner.id, role: "member" }]);
  otherTeam = await makeTeam(db);
  const web = await makePublishedVersion(db, "cost-web");
  const pg = await makePublishedVersion(db, "cost-db");

  // $0.10/h from 31 Oct 22:00 to 2 Nov 10:00: 2 hours in October, 34 in November; plus a free network.
  envs.old = await makeEnvironment(db, {
    teamId: team.id,
    ownerId: owner.id,
    versionId: web.versionId,
    tier: "dev",
    status: "destroyed",
    expiresAt: new Date("2026-11-05T00:00Z"),
  });
  const box = await makeResource(db, envs.old.id, {
    address: "box",
    hourlyMicros: 100_000,
    tags: { "cost-center": "CC-1", owner: "a@example.test" },
  });
  const net = await makeResource(db, envs.old.id, { address: "net", type: "network", hourlyMicros: 0, tags: { "cost-center": "CC-1" } });
  for (const r of [box, net]) await markReady(db, r.id, "2026-10-31T22:00:00Z");
  for (const r of [box, net]) await markDeleted(db, r.id, "2026-11-02T10:00:00Z");

  // $0.0416/h from 3 Nov 10:00, still running, expires 20 Nov.
  envs.db = await makeEnvironment(db, {
    teamId: team.id,
    ownerId: owner.id,
    versionId: pg.versionId,
    tier: "prod",
    engine: "postgres",
    expiresAt: new Date("2026-11-20T00:00Z"),
  });
  const database = await makeResource(db, envs.db.id, {
    address: "db",
    type: "database",
    hourlyMicros: 41_600,
    tags: { "cost-center": "CC-2", owner: "b@example.test" },
  });
  await markReady(db, database.id, "2026-11-03T10:00:00Z");

  // $0.25/h from 9 Nov 00:00, still running, expires in December (after the month ends).
  envs.app = await makeEnvironment(db, {
    teamId: team.id,
    ownerId: owner.id,
    versionId: web.versionId,
    tier: "dev",
    expiresAt: new Date("2026-12-15T00:00Z"),
  });
  const app = await makeResource(db, envs.app.id, { address: "app", hourlyMicros: 250_000, tags: { owner: "a@example.test" } });
  await markReady(db, app.id, "2026-11-09T00:00:00Z");

  // Another team's environment: never in this team's figures.
  envs.other = await makeEnvironment(db, {
    teamId: otherTeam.id,
    ownerId: owner.id,
    versionId: web.versionId,
    expiresAt: new Date("2026-11-30T00:00Z"),
  });
  const theirs = await makeResource(db, envs.other.id, { address: "box", hourlyMicros: 1_000_000 });
  await markReady(db, theirs.id, "2026-11-10T00:00:00Z");
});

describe("cost records follow resources (the trigger)", () => {
  it("opens a record when a resource becomes ready and closes it when it is deleted, with its rate and tags", async () => {
    const records = await db.select().from(costRecords).where(eq(costRecords.environmentId, envs.old.id));
    const box = records.find((r) => r.address === "box");
    expect(box).toMatchObject({
      teamId: team.id,
      templateName: "cost-web",
      templateVersion: "1.0.0",
      tier: "dev",
      engine: "sim",
      resourceType: "instance",
      region: "us-east-1",
      hourlyMicros: 100_000,
      tags: { "cost-center": "CC-1", owner: "a@example.test" },
      startedAt: new Date("2026-10-31T22:00:00Z"),
      endedAt: new Date("2026-11-02T10:00:00Z"),
    });
    const [open] = await db.select().from(costRecords).where(eq(costRecords.environmentId, envs.db.id));
    expect(open).toMatchObject({ startedAt: new Date("2026-11-03T10:00:00Z"), endedAt: null, hourlyMicros: 41_600 });
  });

  it("a resource that is not ready yet costs nothing", async () => {
    const pending = await makeResource(db, envs.db.id, { address: "replica", hourlyMicros: 41_600 });
    expect(await db.$count(costRecords, eq(costRecords.resourceId, pending.id))).toBe(0);
  });

  it("accrues rate × hours over a month boundary, exactly, in cents", async () => {
    // 2 hours in October at $0.10 = $0.20; 34 hours in November = $3.40.
    expect(await accruedMicros(db, team.id, new Date("2026-10-01T00:00Z"), new Date("2026-11-01T00:00Z"))).toBe(200_000);
    const november = costSummary(db, { team, month: "2026-11", now });
    const summary = await november;
    expect(summary.topEnvironments.find((e) => e.id === envs.old.id)?.cents).toBe(340);
    const october = await costSummary(db, { team, month: "2026-10", now });
    expect(october).toMatchObject({ spentCents: 20, forecastCents: 20, isCurrentMonth: false });
    // The whole life of the environment, as the environments page shows it.
    expect((await accruedCentsByEnvironment(db, [envs.old.id], now)).get(envs.old.id)).toBe(360);
  });

  it("accrues an open record up to now, and no further", async () => {
    // 3 Nov 10:00 → 10 Nov 12:00 = 170 hours at $0.0416 = $7.072.
    const summary = await costSummary(db, { team, now });
    expect(summary.topEnvironments.find((e) => e.id === envs.db.id)?.cents).toBe(707);
    const monthStart = new Date("2026-11-01T00:00Z");
    const oneHourLater = new Date(now.getTime() + 3_600_000);
    // One more hour adds exactly what runs now: $0.0416 + $0.25.
    expect((await accruedMicros(db, team.id, monthStart, oneHourLater)) - (await accruedMicros(db, team.id, monthStart, now))).toBe(291_600);
  });

  it("never records twice when a status is flipped again", async () => {
    const owner = await makeUser(db);
    const flipTeam = await makeTeam(db, [{ userId: owner.id, role: "member" }]);
    const { versionId } = await makePublishedVersion(db);
    const env = await makeEnvironment(db, { teamId: flipTeam.id, ownerId: owner.id, versionId, expiresAt: new Date("2026-11-30T00:00Z") });
    const flip = await makeResource(db, env.id, { address: "flip", hourlyMicros: 10_000 });
    await markReady(db, flip.id, "2026-11-09T06:00:00Z");
    // Ready again (a resumed apply), through another status and back: still the first record.
    await markReady(db, flip.id, "2026-11-09T07:00:00Z");
    await db.update(environmentResources).set({ status: "creating" }).where(eq(environmentResources.id, flip.id));
    await markReady(db, flip.id, "2026-11-09T08:00:00Z");
    let records = await db.select().from(costRecords).where(eq(costRecords.resourceId, flip.id));
    expect(records).toHaveLength(1);
    expect(records[0]?.startedAt).toEqual(new Date("2026-11-09T06:00:00Z"));
    // Deleted twice: the second one changes nothing.
    await markDeleted(db, flip.id, "2026-11-09T09:00:00Z");
    await markDeleted(db, flip.id, "2026-11-09T11:00:00Z");
    records = await db.select().from(costRecords).where(eq(costRecords.resourceId, flip.id));
    expect(records).toHaveLength(1);
    expect(records[0]?.endedAt).toEqual(new Date("2026-11-09T09:00:00Z"));
    // 3 hours at $0.01, once.
    expect(await accruedMicros(db, flipTeam.id, new Date("2026-11-01T00:00Z"), now)).toBe(30_000);
  });
});

describe("a month of a team's cost", () => {
  it("totals spend to now, by template, tier and tag, with the running rate", async () => {
    const s = await costSummary(db, { team, now, groupTag: "cost-center" });
    // $3.40 + $7.072 + 36 h × $0.25 = $19.472.
    expect(s).toMatchObject({ month: "2026-11", isCurrentMonth: true, spentCents: 1947, runningHourlyMicros: 291_600 });
    expect(s.byTemplate).toEqual([
      { key: "cost-web", cents: 1240, percent: 63.7, environments: 2 },
      { key: "cost-db", cents: 707, percent: 36.3, environments: 1 },
    ]);
    expect(s.byTier.map((r) => [r.key, r.cents])).toEqual([
      ["dev", 1240],
      ["prod", 707],
    ]);
    expect(s.byTag.key).toBe("cost-center");
    expect(s.byTag.rows.map((r) => [r.key, r.cents])).toEqual([
      ["(not tagged)", 900],
      ["CC-2", 707],
      ["CC-1", 340],
    ]);
    expect(s.byTag.keys).toEqual(["cost-center", "owner"]);
    expect(s.byTeam).toEqual([]);
  });

  it("splits records across days, leaves future days empty, and forecasts to each environment's expiry", async () => {
    const s = await costSummary(db, { team, now });
    expect(s.daily).toHaveLength(30);
    expect(s.daily.slice(0, 10).map((d) => d.cents)).toEqual([240, 100, 58, 100, 100, 100, 100, 100, 700, 350]);
    expect(s.daily.slice(10).every((d) => d.cents === null && d.cumulativeCents === null)).toBe(true);
    expect(s.daily[9]?.cumulativeCents).toBe(s.spentCents);
    // The database runs until 20 Nov (228 h more), the app to the month's end (492 h more).
    expect(s.forecastCents).toBe(Math.round((19_472_000 + 41_600 * 228 + 250_000 * 492) / 10_000));
    expect(s.daily.at(-1)?.forecastCumulativeCents).toBe(s.forecastCents);
    // The dashed line starts where the solid one stands at the end of yesterday.
    expect(s.daily[7]?.forecastCumulativeCents).toBeNull();
    expect(s.daily[8]?.forecastCumulativeCents).toBe(s.daily[8]?.cumulativeCents);
    expect(s.budget).toEqual({ limitCents: 100_000, mode: "hard", usedPercent: 1.9, forecastPercent: 15.2 });
  });

  it("lists the top environments by cost, with their names", async () => {
    const s = await costSummary(db, { team, now });
    expect(s.topEnvironments.map((e) => [e.id, e.cents, e.templateName])).toEqual([
      [envs.app.id, 900, "cost-web"],
      [envs.db.id, 707, "cost-db"],
      [envs.old.id, 340, "cost-web"],
    ]);
  });

  it("a month without records is empty, and a month that has not started is refused naming the field", async () => {
    const empty = await costSummary(db, { team, month: "2026-01", now });
    expect(empty).toMatchObject({ spentCents: 0, forecastCents: 0, byTemplate: [], topEnvironments: [] });
    expect(empty.daily.every((d) => d.cents === 0)).toBe(true);
    const error = await costSummary(db, { team, month: "2026-12", now }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ServiceError);
    expect(error).toMatchObject({ kind: "invalid", field: "month" });
  });

  it("across all teams: every team's records, by team, against the sum of budgets", async () => {
    const s = await costSummary(db, { team: null, now });
    const allBudgets = await db.select({ cents: sql<string>`sum(${teams.monthlyBudgetCents})` }).from(teams);
    // The other team's $1/h since midnight (12 hours), and the 3 cents of the flip test's team.
    expect(s.spentCents).toBe(1947 + 1200 + 3);
    expect(s.byTeam.map((r) => [r.key, r.cents])).toEqual(
      expect.arrayContaining([
        [team.name, 1947],
        [otherTeam.name, 1200],
      ]),
    );
    expect(s.budget).toMatchObject({ limitCents: Number(allBudgets[0]?.cents), mode: null });
  });
});

describe("costs.summary", () => {
  it("answers a member with the team's month, and names the field of bad input", async () => {
    const api = await callerFor(db, ownerId);
    const summary = await api.costs.summary({ teamId: team.id, month: "2026-11", groupTag: "owner" });
    expect(summary.team?.id).toBe(team.id);
    expect(summary.byTag.key).toBe("owner");
    const error = await api.costs.summary({ teamId: team.id, month: "2026-13" }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "BAD_REQUEST" });
    expect(JSON.stringify((error as { cause: unknown }).cause)).toContain("must be a month as YYYY-MM");
    const future = await api.costs.summary({ teamId: team.id, month: "2999-01" }).catch((e: unknown) => e);
    expect(future).toMatchObject({ code: "BAD_REQUEST", message: expect.stringContaining("2999-01 has not started yet") });
  });
});
