/**
 * The access matrix of the REST API (/api/v1), beside the tRPC one (access.test.ts): every
 * route × persona × token scope × own and other team. A token without the route's scope is
 * refused 403 naming it, whoever holds it; another team's objects answer 404 exactly like an
 * unknown id to its non-members (service tokens included, and admins whose token lacks the
 * admin scope: a token never carries more than its scopes). Calls that pass the checks are
 * given input that then fails a business rule (a stale version, a wrong name), so nothing changes.
 */
import { randomUUID } from "node:crypto";
import { beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase } from "~/testing/db";
import { restClient, restFixtures, type RestPersona, type RestSubjects } from "~/testing/rest";
import type { Database } from "~/db/client";
import { tokenScopes, type TokenScope } from "~/server/schemas/api-tokens";
import { routes } from "./rest/routes";

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

type Sample = { path: string; body?: unknown; query?: string };
/** Each route's call for a team's subjects; `subject` routes read or change something of that team. */
const rows: Record<string, { subject: boolean; sample: (s: RestSubjects) => Sample }> = {
  getMe: { subject: false, sample: () => ({ path: "/me" }) },
  listCatalog: { subject: false, sample: () => ({ path: "/catalog" }) },
  getTemplate: { subject: false, sample: () => ({ path: `/catalog/${f.template}` }) },
  previewTemplate: {
    subject: true,
    sample: (s) => ({
      path: `/catalog/${f.template}/preview`,
      body: { teamId: s.teamId, tier: "dev", environmentName: "matrix-x", ttlHours: 24, parameters: {} },
    }),
  },
  createRequest: {
    subject: true,
    sample: (s) => ({
      path: "/requests",
      body: {
        teamId: s.teamId,
        templateName: f.template,
        tier: "dev",
        environmentName: "rest-live",
        ttlHours: 24,
        parameters: {},
        justification: "taken name, refused",
      },
    }),
  },
  listRequests: { subject: false, sample: () => ({ path: "/requests" }) },
  getRequest: { subject: true, sample: (s) => ({ path: `/requests/${s.requestId}` }) },
  cancelRequest: { subject: true, sample: (s) => ({ path: `/requests/${s.requestId}/cancel`, body: { expectedVersion: 999 } }) },
  approveRequest: { subject: true, sample: (s) => ({ path: `/requests/${s.requestId}/approve`, body: { expectedVersion: 999 } }) },
  rejectRequest: {
    subject: true,
    sample: (s) => ({ path: `/requests/${s.requestId}/reject`, body: { expectedVersion: 999, comment: "stale version" } }),
  },
  listEnvironments: { subject: false, sample: () => ({ path: "/environments", query: "?scope=teams" }) },
  getEnvironment: { subject: true, sample: (s) => ({ path: `/environments/${s.environmentId}` }) },
  getOutputs: { subject: true, sample: (s) => ({ path: `/environments/${s.environmentId}/outputs` }) },
  revealOutput: { subject: true, sample: (s) => ({ path: `/environments/${s.environmentId}/outputs/none/reveal` }) },
  extendEnvironment: {
    subject: true,
    sample: (s) => ({ path: `/environments/${s.environmentId}/extend`, body: { hours: 24, justification: "matrix extension check" } }),
  },
  destroyEnvironment: { subject: true, sample: (s) => ({ path: `/environments/${s.environmentId}/destroy`, body: { confirmName: "not-its-name" } }) },
  destroyBySource: {
    subject: true,
    sample: (s) => ({ path: "/environments/destroy-by-source", body: { teamId: s.teamId, repository: "acme/none", pullRequest: 1 } }),
  },
  previewUpdate: { subject: true, sample: (s) => ({ path: `/environments/${s.environmentId}/update/preview`, body: { parameters: {} } }) },
  updateEnvironment: {
    subject: true,
    sample: (s) => ({
      path: `/environments/${s.environmentId}/update`,
      body: { parameters: {}, justification: "nothing to change, refused" },
    }),
  },
  getDrift: { subject: true, sample: (s) => ({ path: `/environments/${s.environmentId}/drift` }) },
  // A check changes nothing in the cloud; the first one queues a run, later ones are refused while it is queued.
  checkDrift: { subject: true, sample: (s) => ({ path: `/environments/${s.environmentId}/drift/check` }) },
  getRun: { subject: true, sample: (s) => ({ path: `/runs/${s.runId}` }) },
  getRunLog: { subject: true, sample: (s) => ({ path: `/runs/${s.runId}/log` }) },
  costSummary: { subject: true, sample: (s) => ({ path: "/costs/summary", query: `?teamId=${s.teamId}` }) },
  costExport: { subject: true, sample: (s) => ({ path: "/costs/export", query: `?team=${s.teamId}` }) },
};

/** The most a persona's personal token may carry (personalTokenScopesFor), minus admin: tested separately. */
const fullScopes: Record<RestPersona, TokenScope[]> = {
  member: ["read", "request", "destroy"],
  approver: ["read", "request", "approve", "destroy"],
  admin: ["read", "request", "approve", "destroy"],
  auditor: ["read"],
};
const personas = Object.keys(fullScopes) as RestPersona[];

const run = async (token: string, operationId: string, s: RestSubjects) => {
  const route = routes.find((r) => r.operationId === operationId)!;
  const sample = rows[operationId]!.sample(s);
  const response = await call(route.method, `${sample.path}${sample.query ?? ""}`, { token, body: sample.body });
  const text = await response.text();
  return { status: response.status, text, detail: text.startsWith("{") ? ((JSON.parse(text) as { detail?: string }).detail ?? "") : "" };
};

/** A subject the caller may not read answers as an unknown one: "… was not found." (never "forbidden"). */
const unseen = (r: { status: number; detail: string }) => r.status === 404 && /was not found\.$/.test(r.detail) && !/live environment/.test(r.detail);

describe("the REST matrix is complete", () => {
  it("has a row for every route", () => {
    expect(Object.keys(rows).sort()).toEqual(routes.map((r) => r.operationId).sort());
  });
});

describe("a token without the route's scope is refused 403, naming the scope", () => {
  const cases = routes.flatMap((route) => personas.map((p) => [route.operationId, p, route.scope] as const));
  it.each(cases)("%s as %s", async (operationId, persona, scope) => {
    const others = tokenScopes.filter((s) => s !== scope && fullScopes[persona].includes(s));
    const token = await f.tokenFor(persona, others.length > 0 ? others : ["read"]);
    if (others.length === 0 && scope === "read") return expect(true).toBe(true); // an auditor's token always has read
    const result = await run(token, operationId, f.own);
    expect(result.status, result.text).toBe(403);
    expect(result.detail).toContain(`needs the "${scope}" scope`);
  });
});

describe("the own team: allowed scopes get past access (an answer that is not 401, 404 for the subject, or 500)", () => {
  const cases = routes.flatMap((route) => personas.filter((p) => fullScopes[p].includes(route.scope)).map((p) => [route.operationId, p] as const));
  it.each(cases)("%s as %s", async (operationId, persona) => {
    const result = await run(await f.tokenFor(persona, fullScopes[persona]), operationId, f.own);
    expect(result.status, result.text).not.toBe(401);
    expect(result.status, result.text).toBeLessThan(500);
    expect(unseen(result), result.text).toBe(false);
  });
});

describe("another team does not exist for its non-members", () => {
  const subjectRoutes = routes.filter((r) => rows[r.operationId]!.subject);
  const who = ["member", "approver", "admin without the admin scope", "service token of the own team"] as const;
  it.each(subjectRoutes.flatMap((route) => who.map((w) => [route.operationId, w, route.scope] as const)))(
    "%s as %s → 404",
    async (operationId, w, scope) => {
      const token =
        w === "service token of the own team"
          ? await f.serviceToken(f.own.teamId, ["read", "request", "destroy"])
          : await f.tokenFor(w === "admin without the admin scope" ? "admin" : w, fullScopes[w === "admin without the admin scope" ? "admin" : w]);
      const result = await run(token, operationId, f.other);
      if (scope === "approve" && (w === "member" || w === "service token of the own team")) {
        // No approve scope on their tokens (a robot never approves): refused before anything is looked up.
        expect(result.detail).toContain('needs the "approve" scope');
        return;
      }
      if (scope === "approve" && w === "admin without the admin scope") {
        // Without the admin scope the admin is no approver anywhere: refused before the request is looked up.
        expect(result.status).toBe(403);
        expect(result.detail).toMatch(/approver role/);
        return;
      }
      expect(unseen(result), `${result.status} ${result.text}`).toBe(true);
    },
  );

  it.each(subjectRoutes.map((r) => [r.operationId] as const))("%s: an admin token WITH the admin scope sees it", async (operationId) => {
    const result = await run(await f.tokenFor("admin", [...fullScopes.admin, "admin"]), operationId, f.other);
    expect(unseen(result), result.text).toBe(false);
    expect(result.status).toBeLessThan(500);
  });

  it.each(subjectRoutes.filter((r) => r.scope === "read").map((r) => [r.operationId] as const))(
    "%s: auditors read every team",
    async (operationId) => {
      const result = await run(await f.tokenFor("auditor", ["read"]), operationId, f.other);
      expect(unseen(result), result.text).toBe(false);
    },
  );

  it("an unknown id answers the same as another team's", async () => {
    const token = await f.tokenFor("member", fullScopes.member);
    const unknown = await run(token, "getEnvironment", { ...f.other, environmentId: randomUUID() });
    const foreign = await run(token, "getEnvironment", f.other);
    expect({ status: foreign.status, detail: foreign.detail }).toEqual({ status: unknown.status, detail: unknown.detail });
  });
});
