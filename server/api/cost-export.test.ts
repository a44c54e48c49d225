import { randomUUID } from "node:crypto";
import { and, eq } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import type { Database } from "~/db/client";
import { auditEvents, type Team } from "~/db/schema";
import { focusColumns } from "~/server/services/cost-export";
import { costSummary } from "~/server/services/costs";
import { loadViewer, type Viewer } from "~/server/services/users";
import { makeEnvironment, makePublishedVersion, makeResource, markDeleted, markReady } from "~/testing/costs";
import { parseCsv } from "~/testing/csv";
import { createTestDatabase } from "~/testing/db";
import { makeTeam, makeUser } from "~/testing/fixtures";
import { allTeamsMessage, costExportResponse, notMemberMessage, teamNotFoundMessage } from "./cost-export";

let db: Database;
let team: Team;
let otherTeam: Team;
const viewers = {} as Record<"member" | "outsider" | "admin" | "auditor", Viewer>;
const now = new Date("2026-11-10T12:00:00Z");

const get = (query: string, viewer: Viewer | null, batchSize?: number) =>
  costExportResponse(new Request(`http://localhost/api/costs/export${query}`), { db, viewer, now, batchSize });

/** The export as objects keyed by column name. */
async function records(response: Response): Promise<Record<string, string>[]> {
  const [header, ...rows] = parseCsv(await response.text());
  expect(header).toEqual([...focusColumns]);
  return rows.map((r) => Object.fromEntries(header!.map((h, i) => [h, r[i] ?? ""])));
}

/** "3.4" → 3400000: decimal strings summed exactly. */
const micros = (decimal: string) => {
  const [whole, fraction = ""] = decimal.split(".");
  return Number(whole) * 1_000_000 + Number(fraction.padEnd(6, "0"));
};

let dbEnvId: string;

beforeAll(async () => {
  ({ db } = await createTestDatabase());
  const member = await makeUser(db);
  const outsider = await makeUser(db);
  const admin = await makeUser(db, { globalRole: "admin" });
  const auditor = await makeUser(db, { globalRole: "auditor" });
  team = await makeTeam(db, [{ userId: member.id, role: "member" }]);
  otherTeam = await makeTeam(db, [{ userId: outsider.id, role: "approver" }]);
  for (const [key, user] of Object.entries({ member, outsider, admin, auditor }))
    viewers[key as keyof typeof viewers] = (await loadViewer(db, user.id))!;

  const web = await makePublishedVersion(db, "focus-web");
  const pg = await makePublishedVersion(db, "focus-db");
  // 31 Oct 22:00 → 2 Nov 10:00 at $0.10/h, in a name that needs quoting; its tag starts like a formula.
  const old = await makeEnvironment(db, {
    teamId: team.id,
    ownerId: member.id,
    versionId: web.versionId,
    name: 'web, "blue"',
    status: "destroyed",
    expiresAt: new Date("2026-11-05T00:00Z"),
  });
  const box = await makeResource(db, old.id, {
    address: "box",
    hourlyMicros: 100_000,
    providerId: "i-0abc",
    region: "eu-west-1",
    tags: { team: team.slug, owner: "a@example.test", note: "=HYPERLINK(1)" },
  });
  await markReady(db, box.id, "2026-10-31T22:00:00Z");
  await markDeleted(db, box.id, "2026-11-02T10:00:00Z");
  // 3 Nov 10:00 → now at $0.0416/h on the postgres engine.
  const pgEnv = await makeEnvironment(db, {
    teamId: team.id,
    ownerId: member.id,
    versionId: pg.versionId,
    engine: "postgres",
    tier: "prod",
    expiresAt: new Date("2026-11-20T00:00Z"),
  });
  dbEnvId = pgEnv.id;
  const database = await makeResource(db, pgEnv.id, {
    address: "db",
    type: "database",
    hourlyMicros: 41_600,
    region: "local",
    tags: { "cost-center": "CC-9" },
  });
  await markReady(db, database.id, "2026-11-03T10:00:00Z");
  // A third of an hour: 20 minutes at $0.0416 = $0.013866…, rounded once per row to the micro-dollar.
  const brief = await makeResource(db, pgEnv.id, { address: "brief", type: "role", hourlyMicros: 41_600, region: "local" });
  await markReady(db, brief.id, "2026-11-04T08:00:00Z");
  await markDeleted(db, brief.id, "2026-11-04T08:20:00Z");

  const theirs = await makeEnvironment(db, {
    teamId: otherTeam.id,
    ownerId: outsider.id,
    versionId: web.versionId,
    expiresAt: new Date("2026-11-30T00:00Z"),
  });
  const their = await makeResource(db, theirs.id, { address: "box", hourlyMicros: 1_000_000 });
  await markReady(db, their.id, "2026-11-10T00:00:00Z");
});

async function auditOf(action: string, actorId: string) {
  return db
    .select()
    .from(auditEvents)
    .where(and(eq(auditEvents.action, action), eq(auditEvents.actorId, actorId)));
}

describe("GET /api/costs/export", () => {
  it("gives a member their team's month in FOCUS columns, one row per record per day, as a dated download", async () => {
    const response = await get(`?team=${team.id}&month=2026-11`, viewers.member);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("text/csv; charset=utf-8; header=present");
    expect(response.headers.get("content-disposition")).toBe(`attachment; filename="provisio-costs-${team.slug}-2026-11.csv"`);
    const rows = await records(response);
    // box: 1 and 2 Nov; db: 3..10 Nov (8 days); brief: 4 Nov.
    expect(rows).toHaveLength(2 + 8 + 1);
    expect(rows.map((r) => r.ChargePeriodStart)).toEqual([...rows.map((r) => r.ChargePeriodStart)].sort());
    const boxDays = rows.filter((r) => r.ResourceName === "box");
    expect(boxDays.map((r) => [r.ChargePeriodStart, r.ChargePeriodEnd, r.ConsumedQuantity, r.BilledCost])).toEqual([
      ["2026-11-01T00:00:00Z", "2026-11-02T00:00:00Z", "24", "2.4"],
      ["2026-11-02T00:00:00Z", "2026-11-03T00:00:00Z", "10", "1"],
    ]);
    expect(boxDays[0]).toMatchObject({
      EffectiveCost: "2.4",
      ListCost: "2.4",
      ContractedCost: "2.4",
      BillingCurrency: "USD",
      BillingPeriodStart: "2026-11-01T00:00:00Z",
      BillingPeriodEnd: "2026-12-01T00:00:00Z",
      ChargeCategory: "Usage",
      ChargeClass: "",
      ChargeFrequency: "Usage-Based",
      ConsumedUnit: "Hours",
      PricingQuantity: "24",
      PricingUnit: "Hours",
      ListUnitPrice: "0.1",
      ContractedUnitPrice: "0.1",
      ResourceId: "i-0abc",
      ResourceType: "Virtual machine",
      RegionId: "eu-west-1",
      RegionName: "Europe (Ireland)",
      ServiceName: "Virtual Machines",
      ServiceCategory: "Compute",
      ProviderName: "Provisio sim",
      PublisherName: "Provisio sim",
      InvoiceIssuerName: "Provisio",
      SubAccountId: team.id,
      SubAccountName: team.name,
      x_EnvironmentName: 'web, "blue"',
      x_TemplateName: "focus-web",
      x_Tier: "dev",
    });
    // Tags as a FOCUS JSON object, keys in order; a formula-like value stays inside the JSON text.
    expect(JSON.parse(boxDays[0]!.Tags!)).toEqual({ note: "=HYPERLINK(1)", owner: "a@example.test", team: team.slug });
    expect(boxDays[0]!.ChargeDescription).toBe('Virtual machine box of environment web, "blue": 24 h at $0.1/h');

    const dbRows = rows.filter((r) => r.ResourceName === "db");
    expect(dbRows.map((r) => r.BilledCost)).toEqual(["0.5824", "0.9984", "0.9984", "0.9984", "0.9984", "0.9984", "0.9984", "0.4992"]);
    expect(dbRows[0]).toMatchObject({
      ProviderName: "PostgreSQL",
      ServiceCategory: "Databases",
      ResourceId: expect.stringMatching(/^[0-9a-f-]{36}$/),
      RegionName: "Provisio's PostgreSQL server",
      x_EnvironmentId: dbEnvId,
    });
    const brief = rows.find((r) => r.ResourceName === "brief");
    expect(brief).toMatchObject({ ConsumedQuantity: "0.333333", BilledCost: "0.013867", ChargePeriodStart: "2026-11-04T00:00:00Z" });
  });

  it("sums to the cost page's total, to the micro-dollar", async () => {
    const rows = await records(await get(`?team=${team.id}`, viewers.member));
    const total = rows.reduce((sum, r) => sum + micros(r.BilledCost!), 0);
    const summary = await costSummary(db, { team, now });
    expect(total).toBe(3_400_000 + 41_600 * 170 + 13_867);
    expect(Math.round(total / 10_000)).toBe(summary.spentCents);
    expect(summary.daily.reduce((sum, d) => sum + (d.cents ?? 0), 0)).toBeGreaterThan(0);
  });

  it("streams the same rows in small batches", async () => {
    const whole = await (await get(`?team=${team.id}`, viewers.member)).text();
    const batched = await (await get(`?team=${team.id}`, viewers.member, 1)).text();
    expect(batched).toBe(whole);
  });

  it("audits every export", async () => {
    await get(`?team=${team.id}&month=2026-10`, viewers.member);
    const events = await auditOf("cost.exported", viewers.member.id);
    expect(events.at(-1)).toMatchObject({
      subjectType: "team",
      subjectId: team.id,
      teamId: team.id,
      after: { month: "2026-10", format: "FOCUS 1.x CSV" },
    });
  });

  it("answers a team the caller is not in like an unknown one (404), and audits the refusal with the reason", async () => {
    const response = await get(`?team=${team.id}&month=2026-11`, viewers.outsider);
    expect(response.status).toBe(404);
    expect(response.headers.get("content-type")).toContain("application/json");
    expect(await response.json()).toEqual({ error: teamNotFoundMessage });
    const unknown = await get(`?team=${randomUUID()}&month=2026-11`, viewers.outsider);
    expect([unknown.status, await unknown.json()]).toEqual([404, { error: teamNotFoundMessage }]);
    const denied = await auditOf("cost.export_denied", viewers.outsider.id);
    expect(denied).toHaveLength(1);
    expect(denied[0]).toMatchObject({
      subjectType: "team",
      subjectId: team.id,
      teamId: team.id,
      after: { month: "2026-11", reason: notMemberMessage },
    });
    expect(await auditOf("cost.exported", viewers.outsider.id)).toHaveLength(0);
  });

  it("refuses every team's export to a member, and audits it", async () => {
    const response = await get("?team=all", viewers.member);
    expect(response.status).toBe(403);
    expect(await response.json()).toEqual({ error: allTeamsMessage });
    expect(await auditOf("cost.export_denied", viewers.member.id)).toEqual([
      expect.objectContaining({ subjectType: "costs", subjectId: "all", teamId: null }),
    ]);
  });

  it.each(["admin", "auditor"] as const)("gives an %s any team, or all of them", async (persona) => {
    const all = await records(await get("?team=all&month=2026-11", viewers[persona]));
    expect(new Set(all.map((r) => r.SubAccountId))).toEqual(new Set([team.id, otherTeam.id]));
    const theirs = await records(await get(`?team=${otherTeam.id}&month=2026-11`, viewers[persona]));
    expect(theirs.map((r) => [r.ChargePeriodStart, r.BilledCost])).toEqual([["2026-11-10T00:00:00Z", "12"]]);
  });

  it("answers 401 without a session, 404 for an unknown team, 400 naming the field for bad input", async () => {
    expect((await get(`?team=${team.id}`, null)).status).toBe(401);
    expect((await get(`?team=${randomUUID()}`, viewers.member)).status).toBe(404);
    const bad = await get("?team=nope&month=2026-13", viewers.member);
    expect(bad.status).toBe(400);
    expect(Object.keys(((await bad.json()) as { fieldErrors: Record<string, string[]> }).fieldErrors).sort()).toEqual(["month", "team"]);
    const future = await get(`?team=${team.id}&month=2026-12`, viewers.member);
    expect(future.status).toBe(400);
    expect(await future.json()).toEqual({
      error: "Invalid export query.",
      fieldErrors: { month: ["2026-12 has not started yet: pick 2026-11 or an earlier month."] },
    });
  });
});
