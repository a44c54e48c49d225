import { beforeAll, describe, expect, it } from "vitest";
import type { Database } from "~/db/client";
import { auditEvents } from "~/db/schema";
import { createTestDatabase } from "~/testing/db";
import { makeTeam, makeUser } from "~/testing/fixtures";
import { loadViewer, type Viewer } from "~/server/services/users";
import { auditExportResponse } from "./audit-export";

let db: Database;
const viewers = {} as Record<"member" | "approver" | "admin" | "auditor", Viewer>;
const now = new Date("2025-03-14T12:00:00Z");

const get = (query: string, viewer: Viewer | null, cap?: number) =>
  auditExportResponse(new Request(`http://localhost/api/audit/export${query}`), { db, viewer, now, cap });

beforeAll(async () => {
  ({ db } = await createTestDatabase());
  const member = await makeUser(db);
  const approver = await makeUser(db);
  const admin = await makeUser(db, { globalRole: "admin" });
  const auditor = await makeUser(db, { globalRole: "auditor" });
  await makeTeam(db, [
    { userId: member.id, role: "member" },
    { userId: approver.id, role: "approver" },
  ]);
  for (const [key, user] of Object.entries({ member, approver, admin, auditor })) {
    viewers[key as keyof typeof viewers] = (await loadViewer(db, user.id))!;
  }
  await db.insert(auditEvents).values([
    { actorId: admin.id, actorLabel: admin.email, action: "team.created", subjectType: "team", subjectId: "t1" },
    { actorId: admin.id, actorLabel: admin.email, action: "team.updated", subjectType: "team", subjectId: "t1", after: { name: "=1+1" } },
    { actorLabel: "system", action: "template.published", subjectType: "template", subjectId: "tpl" },
  ]);
});

describe("GET /api/audit/export", () => {
  it("answers 401 without a session", async () => {
    const response = await get("", null);
    expect(response.status).toBe(401);
  });

  it.each(["member", "approver"] as const)("answers 403 to a %s, with no data", async (persona) => {
    const response = await get("", viewers[persona]);
    expect(response.status).toBe(403);
    expect(response.headers.get("content-type")).toContain("application/json");
    expect(await response.json()).toEqual({ error: "This needs the admin or auditor role." });
  });

  it.each(["admin", "auditor"] as const)("streams the filtered CSV to an %s as a dated download", async (persona) => {
    const response = await get("?action=team.&subjectType=team", viewers[persona]);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("text/csv; charset=utf-8; header=present");
    expect(response.headers.get("content-disposition")).toBe('attachment; filename="provisio-audit-2025-03-14.csv"');
    expect(response.headers.get("x-provisio-export-truncated")).toBe("false");
    const lines = (await response.text()).split("\r\n");
    expect(lines[0]).toBe(
      "id,time,actor_id,actor,actor_name,action,subject_type,subject_id,subject_name,team_id,team_name,correlation_id,before,after",
    );
    expect(lines.slice(1, -1).map((l) => l.split(",")[5])).toEqual(["team.updated", "team.created"]);
    expect(lines.at(-1)).toBe("");
    // JSON starts with '{', so it is not a formula; its quotes are doubled inside a quoted cell.
    expect(lines[1]?.endsWith(`,"{""name"":""=1+1""}"`)).toBe(true);
  });

  it("refuses an invalid filter with 400, naming the field", async () => {
    const response = await get("?from=yesterday&teamId=abc", viewers.auditor);
    expect(response.status).toBe(400);
    const body = (await response.json()) as { fieldErrors: Record<string, string[]> };
    expect(Object.keys(body.fieldErrors).sort()).toEqual(["from", "teamId"]);
  });

  it("treats empty parameters as no filter and says when the cap cut the export", async () => {
    const response = await get("?action=&teamId=", viewers.admin, 2);
    expect(response.status).toBe(200);
    expect(response.headers.get("x-provisio-export-truncated")).toBe("true");
    expect((await response.text()).trimEnd().split("\r\n")).toHaveLength(1 + 2);
  });
});
