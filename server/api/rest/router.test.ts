import { eq } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase } from "~/testing/db";
import { logLines, restClient, restFixtures } from "~/testing/rest";
import type { Database } from "~/db/client";
import { apiTokens, auditEvents, requests } from "~/db/schema";
import { createLogger } from "~/server/logger";
import { generateToken } from "~/server/services/api-tokens";

let db: Database;
let f: Awaited<ReturnType<typeof restFixtures>>;
let call: ReturnType<typeof restClient>;

beforeAll(async () => {
  let url: string;
  ({ db, url } = await createTestDatabase());
  Object.assign(process.env, { DATABASE_URL: url, NEXTAUTH_SECRET: "x".repeat(32), PROVISIO_DEMO: "true" });
  f = await restFixtures(db);
  call = restClient(db);
});

const problemOf = async (response: Response) => {
  expect(response.headers.get("content-type")).toBe("application/problem+json");
  return (await response.json()) as {
    status: number;
    detail: string;
    field?: string | null;
    errors?: Record<string, string[]>;
    type: string;
    title: string;
  };
};

describe("tokens at the door", () => {
  it("answers 401 with the reason for a missing, malformed, unknown, revoked or expired token, never 500", async () => {
    expect((await problemOf(await call("GET", "/catalog"))).detail).toMatch(/Authorization: Bearer/);
    const cookie = await call("GET", "/catalog", { headers: { cookie: "next-auth.session-token=abc" } });
    expect(cookie.status).toBe(401);
    expect((await problemOf(cookie)).detail).toMatch(/cookies are not accepted/);
    expect((await problemOf(await call("GET", "/catalog", { headers: { authorization: "Basic abc" } }))).status).toBe(401);
    expect((await problemOf(await call("GET", "/catalog", { token: "pvo_short" }))).detail).toMatch(/malformed/);
    expect((await problemOf(await call("GET", "/catalog", { token: generateToken().token }))).detail).toMatch(/not known/);
    const token = await f.tokenFor("member", ["read", "destroy"]);
    await db
      .update(apiTokens)
      .set({ expiresAt: new Date(Date.now() - 1000) })
      .where(eq(apiTokens.name, "member:read,destroy"));
    const expired = await call("GET", "/catalog", { token });
    expect(expired.status).toBe(401);
    expect(expired.headers.get("www-authenticate")).toMatch(/invalid_token/);
    expect((await problemOf(expired)).detail).toMatch(/expired/);
    await db.update(apiTokens).set({ revokedAt: new Date() }).where(eq(apiTokens.name, "member:read,destroy"));
    expect((await problemOf(await call("GET", "/catalog", { token }))).detail).toMatch(/revoked/);
  });

  it("answers 403 naming the missing scope", async () => {
    const token = await f.tokenFor("member", ["read"]);
    const response = await call("POST", "/requests", { token, body: {} });
    expect(response.status).toBe(403);
    expect((await problemOf(response)).detail).toMatch(/needs the "request" scope/);
  });

  it("never logs a token", async () => {
    const token = await f.tokenFor("member", ["read"]);
    await call("GET", "/catalog", { token });
    await call("GET", "/catalog", { token: token.slice(0, -2) + "zz" });
    expect(logLines.length).toBeGreaterThan(1);
    expect(logLines.join("\n")).not.toContain(token.slice(4));
    expect(logLines.join("\n")).toContain('"msg":"api call"');
  });

  it("redacts a token the logger is handed by mistake", () => {
    const lines: string[] = [];
    const log = createLogger({ write: (line: string) => void lines.push(line) }, "info");
    log.info({ token: "pvo_secret1", req: { headers: { authorization: "Bearer pvo_secret2", cookie: "s=pvo_secret3" } } }, "oops");
    expect(lines.join("")).not.toMatch(/pvo_secret/);
  });
});

describe("problem+json", () => {
  it("names the field of invalid input in the body, the query and the path", async () => {
    const token = await f.tokenFor("member", ["read", "request"]);
    const body = await problemOf(await call("POST", "/requests", { token, body: { teamId: f.own.teamId, templateName: f.template, tier: "qa" } }));
    expect(body.status).toBe(422);
    expect(body.field).toBeTruthy();
    expect(Object.keys(body.errors ?? {})).toEqual(expect.arrayContaining(["tier", "environmentName"]));
    const query = await problemOf(await call("GET", "/requests?limit=1000", { token }));
    expect(query.field).toBe("limit");
    const path = await problemOf(await call("GET", "/requests/not-a-uuid", { token }));
    expect(path.field).toBe("requestId");
    const json = await call("POST", "/requests", { token, body: undefined, headers: { "content-type": "application/json" } });
    expect(json.status).toBe(422);
  });

  it("maps business refusals: a service's field error, 404 for unknown routes, 405 with Allow", async () => {
    const token = await f.tokenFor("member", ["read", "request"]);
    const name = await problemOf(
      await call("POST", "/requests", {
        token,
        body: {
          teamId: f.own.teamId,
          templateName: f.template,
          tier: "dev",
          environmentName: "rest-live",
          ttlHours: 24,
          parameters: {},
          justification: "name taken already",
        },
      }),
    );
    expect(name.status).toBe(409);
    expect(name.field).toBe("environmentName");
    expect((await call("GET", "/nowhere", { token })).status).toBe(404);
    const wrong = await call("DELETE", "/catalog", { token });
    expect(wrong.status).toBe(405);
    expect(wrong.headers.get("allow")).toBe("GET");
  });
});

describe("Idempotency-Key", () => {
  it("replays the same answer for the same key and body, refuses another body with 422", async () => {
    const token = await f.tokenFor("member", ["read", "request"]);
    const body = {
      teamId: f.own.teamId,
      templateName: f.template,
      tier: "dev",
      environmentName: "rest-idem",
      ttlHours: 24,
      parameters: {},
      justification: "idempotency check",
    };
    const first = await call("POST", "/requests", { token, body, headers: { "idempotency-key": "abc-1" } });
    expect(first.status).toBe(201);
    const created = await first.json();
    const again = await call("POST", "/requests", { token, body, headers: { "idempotency-key": "abc-1" } });
    expect(again.status).toBe(201);
    expect(again.headers.get("idempotency-replayed")).toBe("true");
    expect(await again.json()).toEqual(created);
    expect(await db.select().from(requests).where(eq(requests.environmentName, "rest-idem"))).toHaveLength(1);
    const other = await call("POST", "/requests", { token, body: { ...body, ttlHours: 48 }, headers: { "idempotency-key": "abc-1" } });
    expect(other.status).toBe(422);
    expect((await problemOf(other)).field).toBe("Idempotency-Key");
  });
});

describe("audit with the token's identity", () => {
  it("records the token id on what a token changed", async () => {
    const token = await f.tokenFor("member", ["read", "request"]);
    const body = {
      teamId: f.own.teamId,
      templateName: f.template,
      tier: "dev",
      environmentName: "rest-audit",
      ttlHours: 24,
      parameters: {},
      justification: "audit check via token",
    };
    const { id } = (await (await call("POST", "/requests", { token, body })).json()) as { id: string };
    const [event] = await db.select().from(auditEvents).where(eq(auditEvents.subjectId, id));
    expect(event!.actorTokenId).toBeTruthy();
    expect(event!.actorLabel).toMatch(/token "member:read,request"/);
  });
});

describe("ephemeral environments per pull request", () => {
  it("re-uses the live request of the same team, repository and PR, recording the new commit", async () => {
    const token = await f.serviceToken(f.own.teamId, ["read", "request", "destroy"]);
    const body = (commit: string) => ({
      teamId: f.own.teamId,
      templateName: f.template,
      tier: "dev",
      environmentName: "pr-7",
      ttlHours: 4,
      parameters: {},
      justification: "preview of pull request 7",
      source: { repository: "acme/shop", pullRequest: 7, commit },
    });
    const first = (await (await call("POST", "/requests", { token, body: body("aaaaaaa") })).json()) as { id: string; reused?: boolean };
    const second = (await (await call("POST", "/requests", { token, body: body("bbbbbbb") })).json()) as { id: string; reused?: boolean };
    expect(second.id).toBe(first.id);
    expect(second.reused).toBe(true);
    const [row] = await db.select().from(requests).where(eq(requests.id, first.id));
    expect(row!.sourceCommit).toBe("bbbbbbb");
    // No environment yet (no worker here): destroy-by-source says so, naming the PR.
    const gone = await call("POST", "/environments/destroy-by-source", {
      token,
      body: { teamId: f.own.teamId, repository: "acme/shop", pullRequest: 7 },
    });
    expect(gone.status).toBe(404);
    expect((await problemOf(gone)).detail).toMatch(/acme\/shop#7/);
  });
});

describe("rate limits", () => {
  it("sends RateLimit headers and answers 429 with Retry-After once the bucket is empty", async () => {
    const limited = restClient(db, { perMinute: 1, burst: 2 });
    const token = await f.tokenFor("approver", ["read"]);
    const first = await limited("GET", "/me", { token });
    expect(first.status).toBe(200);
    expect(first.headers.get("ratelimit-limit")).toBe("2");
    expect(first.headers.get("ratelimit-remaining")).toBe("1");
    expect((await limited("GET", "/me", { token })).status).toBe(200);
    const refused = await limited("GET", "/me", { token });
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    expect((await problemOf(refused)).detail).toMatch(/Rate limit/);
  });
});
