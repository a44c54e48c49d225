import { randomUUID } from "node:crypto";
import { beforeAll, describe, expect, it } from "vitest";
import type { Database } from "~/db/client";
import { auditEvents, templates } from "~/db/schema";
import { auditListInput } from "~/server/schemas/audit";
import { createTestDatabase } from "~/testing/db";
import { makeTeam, makeUser } from "~/testing/fixtures";
import { recordAudit } from "~/server/core/audit";
import { auditFacets, listAuditEvents } from "./audit";

let db: Database;
let ids: { ada: string; bo: string; teamA: string; teamB: string; templateId: string; correlation: string };

/** Lists with the API's own input schema, so defaults and validation are the real ones. */
const list = (input: Record<string, unknown>) => listAuditEvents(db, auditListInput.parse(input));
const actionsOf = async (input: Record<string, unknown>) => (await list({ limit: 200, ...input })).events.map((e) => e.action);

beforeAll(async () => {
  ({ db } = await createTestDatabase());
  const ada = await makeUser(db, { globalRole: "admin", name: "Ada Admin" });
  const bo = await makeUser(db, { name: "Bo Builder" });
  const teamA = await makeTeam(db);
  const teamB = await makeTeam(db);
  const [template] = await db.insert(templates).values({ name: "web-service", source: "file" }).returning();
  ids = { ada: ada.id, bo: bo.id, teamA: teamA.id, teamB: teamB.id, templateId: template!.id, correlation: randomUUID() };
  const at = (iso: string) => new Date(iso);
  // Oldest first, so ids grow with time as they do in real life.
  await db.insert(auditEvents).values([
    {
      at: at("2025-03-01T09:00:00Z"),
      actorId: null,
      actorLabel: "system",
      action: "template.published",
      subjectType: "template",
      subjectId: ids.templateId,
      after: { name: "web-service" },
    },
    {
      at: at("2025-03-02T10:00:00Z"),
      actorId: ada.id,
      actorLabel: ada.email,
      action: "team.created",
      subjectType: "team",
      subjectId: teamA.id,
      teamId: teamA.id,
    },
    {
      at: at("2025-03-02T23:59:59Z"),
      actorId: ada.id,
      actorLabel: ada.email,
      action: "team.updated",
      subjectType: "team",
      subjectId: teamA.id,
      teamId: teamA.id,
      before: { monthlyBudgetCents: 1 },
      after: { monthlyBudgetCents: 2 },
    },
    {
      at: at("2025-03-03T00:00:00Z"),
      actorId: bo.id,
      actorLabel: bo.email,
      action: "request.submitted",
      subjectType: "request",
      subjectId: ids.correlation,
      teamId: teamB.id,
      correlationId: ids.correlation,
    },
    {
      at: at("2025-03-03T08:00:00Z"),
      actorId: null,
      actorLabel: "system",
      action: "request.approved",
      subjectType: "request",
      subjectId: ids.correlation,
      teamId: teamB.id,
      correlationId: ids.correlation,
    },
    {
      at: at("2025-03-04T12:00:00Z"),
      actorId: ada.id,
      actorLabel: ada.email,
      action: "template.draft_created",
      subjectType: "template",
      subjectId: ids.templateId,
    },
    // '_' is a LIKE wildcard: "team_x." must not match "teamAx." style actions by accident.
    { at: at("2025-03-05T12:00:00Z"), actorId: ada.id, actorLabel: ada.email, action: "teamXcreated", subjectType: "test", subjectId: "x" },
  ]);
});

describe("listAuditEvents filters", () => {
  it("without a filter lists everything, newest first", async () => {
    expect(await actionsOf({})).toEqual([
      "teamXcreated",
      "template.draft_created",
      "request.approved",
      "request.submitted",
      "team.updated",
      "team.created",
      "template.published",
    ]);
  });

  it("matches an action exactly, or as a prefix ending in '.' or '*'", async () => {
    expect(await actionsOf({ action: "team.created" })).toEqual(["team.created"]);
    expect(await actionsOf({ action: "team." })).toEqual(["team.updated", "team.created"]);
    expect(await actionsOf({ action: "template.*" })).toEqual(["template.draft_created", "template.published"]);
    expect(await actionsOf({ action: "template" })).toEqual([]);
    // '_' and '%' are literal characters in a prefix, not LIKE wildcards.
    expect(await actionsOf({ action: "team_*" })).toEqual([]);
    expect(await actionsOf({ action: "template.draft_*" })).toEqual(["template.draft_created"]);
  });

  it("filters by actor, including the system", async () => {
    expect(await actionsOf({ actorId: ids.bo })).toEqual(["request.submitted"]);
    expect(await actionsOf({ actorId: "system" })).toEqual(["request.approved", "template.published"]);
  });

  it("filters by subject type, team and correlation id", async () => {
    expect(await actionsOf({ subjectType: "template" })).toEqual(["template.draft_created", "template.published"]);
    expect(await actionsOf({ teamId: ids.teamB })).toEqual(["request.approved", "request.submitted"]);
    expect(await actionsOf({ correlationId: ids.correlation })).toEqual(["request.approved", "request.submitted"]);
  });

  it("takes a date range in whole UTC days, both ends included", async () => {
    expect(await actionsOf({ from: "2025-03-02", to: "2025-03-02" })).toEqual(["team.updated", "team.created"]);
    expect(await actionsOf({ from: "2025-03-03" })).toEqual(["teamXcreated", "template.draft_created", "request.approved", "request.submitted"]);
    expect(await actionsOf({ to: "2025-03-01" })).toEqual(["template.published"]);
    // Exact instants: `to` includes its own millisecond.
    expect(await actionsOf({ from: "2025-03-02T23:59:59Z", to: "2025-03-03T00:00:00Z" })).toEqual(["request.submitted", "team.updated"]);
  });

  it("combines filters with AND", async () => {
    expect(
      await actionsOf({ actorId: ids.ada, action: "team.", from: "2025-03-02", to: "2025-03-02", teamId: ids.teamA, subjectType: "team" }),
    ).toEqual(["team.updated", "team.created"]);
    expect(await actionsOf({ actorId: "system", action: "request." })).toEqual(["request.approved"]);
    expect(await actionsOf({ actorId: ids.bo, teamId: ids.teamA })).toEqual([]);
    expect(await actionsOf({ correlationId: ids.correlation, from: "2025-03-03T01:00:00Z" })).toEqual(["request.approved"]);
  });

  it("pages with a cursor: every event once, in order, under any filter", async () => {
    const seen: string[] = [];
    let before: number | undefined;
    for (let i = 0; i < 10; i++) {
      const page = await list({ limit: 2, before, actorId: ids.ada });
      seen.push(...page.events.map((e) => e.action));
      if (page.nextBefore === null) break;
      before = page.nextBefore;
    }
    expect(seen).toEqual(["teamXcreated", "template.draft_created", "team.updated", "team.created"]);
  });

  it("resolves actor, team and subject names", async () => {
    const { events } = await list({ limit: 200 });
    const byAction = new Map(events.map((e) => [e.action, e]));
    expect(byAction.get("team.updated")).toMatchObject({
      actorName: "Ada Admin",
      subjectName: expect.stringMatching(/^Team /),
      teamName: expect.stringMatching(/^Team /),
    });
    expect(byAction.get("template.published")).toMatchObject({ actorName: null, actorLabel: "system", subjectName: "web-service", teamName: null });
    // The request row does not exist in this database: no name, the id stays.
    expect(byAction.get("request.submitted")).toMatchObject({ subjectName: null, subjectId: ids.correlation, actorName: "Bo Builder" });
    expect(byAction.get("team.updated")).toMatchObject({ before: { monthlyBudgetCents: 1 }, after: { monthlyBudgetCents: 2 } });
  });

  it("sees events written through recordAudit at once", async () => {
    await recordAudit(
      db,
      { id: ids.bo, label: "bo@example.test" },
      { action: "test.recorded", subjectType: "test", subjectId: "r1", correlationId: "corr-1" },
    );
    expect(await actionsOf({ correlationId: "corr-1" })).toEqual(["test.recorded"]);
  });
});

describe("audit filter validation names the field", () => {
  it.each([
    [{ actorId: "not-a-user" }, "actorId"],
    [{ action: "team created; drop" }, "action"],
    [{ subjectType: "a b" }, "subjectType"],
    [{ teamId: "nope" }, "teamId"],
    [{ from: "yesterday" }, "from"],
    [{ to: "2025-13-01" }, "to"],
    [{ from: "2025-03-05", to: "2025-03-01" }, "to"],
    [{ correlationId: "x".repeat(201) }, "correlationId"],
  ])("%j is refused on %s", (input, field) => {
    const result = auditListInput.safeParse(input);
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((i) => i.path[0])).toContain(field);
  });
});

describe("auditFacets", () => {
  it("offers the actions, prefixes, subject types, actors and teams that occur", async () => {
    const facets = await auditFacets(db);
    expect(facets.actions).toEqual(expect.arrayContaining(["team.created", "request.approved", "template.published"]));
    expect(facets.actionPrefixes).toEqual(expect.arrayContaining(["team.", "request.", "template."]));
    expect(facets.subjectTypes).toEqual(expect.arrayContaining(["request", "team", "template"]));
    expect(facets.actors.map((a) => a.name)).toEqual(["Ada Admin", "Bo Builder"]);
    expect(facets.teams.map((t) => t.id)).toEqual(expect.arrayContaining([ids.teamA, ids.teamB]));
  });
});
