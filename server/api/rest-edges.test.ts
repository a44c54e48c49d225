import { beforeAll, describe, expect, it } from "vitest";
import type { Database } from "~/db/client";
import { createTestDatabase } from "~/testing/db";
import { makeTeam, makeUser } from "~/testing/fixtures";
import { loadViewer, type Viewer } from "~/server/services/users";
import { auditExportResponse } from "./audit-export";
import { costExportResponse } from "./cost-export";
import { authPostAnswer } from "./same-origin";

/**
 * The REST routes' edges: query strings with control characters answer 400 naming the
 * parameter (finding 3), and a state-changing request from another site is refused (finding 10).
 */

let db: Database;
let admin: Viewer;
let teamId: string;

beforeAll(async () => {
  ({ db } = await createTestDatabase());
  const user = await makeUser(db, { globalRole: "admin" });
  teamId = (await makeTeam(db)).id;
  admin = (await loadViewer(db, user.id))!;
});

describe("REST query strings", () => {
  it.each([
    ["/api/audit/export?correlationId=%00", "correlationId", "U+0000"],
    ["/api/audit/export?action=team.%1Bcreated", "action", "U+001B"],
    ["/api/audit/export?%00=1", "?", "is not a valid parameter name"],
  ])("%s answers 400 naming the parameter", async (url, field, message) => {
    const response = await auditExportResponse(new Request(`http://localhost${url}`), { db, viewer: admin });
    expect(response.status).toBe(400);
    const text = await response.text();
    expect(text).not.toContain("\u0000");
    const body = JSON.parse(text) as { error: string; fieldErrors: Record<string, string[]> };
    expect(body.fieldErrors[field]?.[0]).toContain(message);
  });

  it("refuses a control character and an oversized value in the cost export's query", async () => {
    const nul = await costExportResponse(new Request(`http://localhost/api/costs/export?team=${teamId}&month=2025-01%00`), { db, viewer: admin });
    expect(nul.status).toBe(400);
    expect(((await nul.json()) as { fieldErrors: Record<string, string[]> }).fieldErrors.month?.[0]).toContain("U+0000");
    const long = await costExportResponse(new Request(`http://localhost/api/costs/export?team=${"a".repeat(5_000)}`), { db, viewer: admin });
    expect(long.status).toBe(400);
  });

  it("still exports with a sane query", async () => {
    const response = await auditExportResponse(new Request("http://localhost/api/audit/export?correlationId=abc"), { db, viewer: admin });
    expect(response.status).toBe(200);
  });
});

describe("next-auth's state-changing routes", () => {
  const post = (path: string, origin: string) =>
    new Request(`http://localhost:3000/api/auth/${path}`, {
      method: "POST",
      headers: { host: "localhost:3000", origin, "content-type": "application/x-www-form-urlencoded" },
      body: "csrfToken=x&email=admin%40provisio.local",
    });

  it.each(["signout", "signin/demo", "callback/demo", "signin/oidc"])("refuses a cross-site POST to /api/auth/%s", async (path) => {
    const response = authPostAnswer(post(path, "https://evil.example"), path.split("/"));
    expect(response?.status).toBe(403);
    expect(((await response!.json()) as { error: string }).error).toContain("Cross-site request refused");
  });

  it("lets same-origin posts and the identity provider's form_post answer through", () => {
    expect(authPostAnswer(post("signout", "http://localhost:3000"), ["signout"])).toBeNull();
    expect(authPostAnswer(post("callback/oidc", "https://idp.example"), ["callback", "oidc"])).toBeNull();
  });
});
