/**
 * The OpenAPI document is valid OpenAPI 3.1 (checked by a validator library), and every
 * documented operation answers as documented: a documented status, the documented content type,
 * and a body that matches the documented schema (the zod schema the document is generated from).
 */
import { Validator } from "@seriousme/openapi-schema-validator";
import { beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase } from "~/testing/db";
import { restClient, restFixtures } from "~/testing/rest";
import type { Database } from "~/db/client";
import { openApiDocument } from "./openapi";
import { routes } from "./routes";

let db: Database;
let f: Awaited<ReturnType<typeof restFixtures>>;
let call: ReturnType<typeof restClient>;
let token: string;

beforeAll(async () => {
  let url: string;
  ({ db, url } = await createTestDatabase());
  Object.assign(process.env, { DATABASE_URL: url, NEXTAUTH_SECRET: "x".repeat(32), PROVISIO_DEMO: "true" });
  f = await restFixtures(db);
  call = restClient(db);
  token = await f.tokenFor("approver", ["read", "request", "approve", "destroy"]);
});

type Sample = { path: string; body?: unknown; query?: string; expect: number };

/** One call per operation, with input an approver of the own team may send; `expect` is the status it must answer. */
const samples = (): Record<string, Sample> => ({
  getMe: { path: "/me", expect: 200 },
  listCatalog: { path: "/catalog", expect: 200 },
  getTemplate: { path: `/catalog/${f.template}`, expect: 200 },
  previewTemplate: {
    path: `/catalog/${f.template}/preview`,
    body: { teamId: f.own.teamId, tier: "dev", environmentName: "contract-preview", ttlHours: 24, parameters: {} },
    expect: 200,
  },
  createRequest: {
    path: "/requests",
    body: {
      teamId: f.own.teamId,
      templateName: f.template,
      tier: "dev",
      environmentName: "contract-new",
      ttlHours: 24,
      parameters: {},
      justification: "contract test request",
    },
    expect: 201,
  },
  listRequests: { path: "/requests", query: "?scope=teams&limit=5", expect: 200 },
  getRequest: { path: `/requests/${f.own.requestId}`, expect: 200 },
  cancelRequest: { path: `/requests/${f.own.requestId}/cancel`, body: { reason: "not mine" }, expect: 403 },
  approveRequest: { path: `/requests/${f.own.requestId}/approve`, body: {}, expect: 200 },
  rejectRequest: { path: `/requests/${f.own.requestId}/reject`, body: { comment: "already decided" }, expect: 403 },
  listEnvironments: { path: "/environments", query: "?scope=teams", expect: 200 },
  getEnvironment: { path: `/environments/${f.own.environmentId}`, expect: 200 },
  getOutputs: { path: `/environments/${f.own.environmentId}/outputs`, expect: 200 },
  revealOutput: { path: `/environments/${f.own.environmentId}/outputs/nothing/reveal`, expect: 422 },
  extendEnvironment: {
    path: `/environments/${f.own.environmentId}/extend`,
    body: { hours: 24, justification: "contract test extension" },
    expect: 201,
  },
  destroyEnvironment: { path: `/environments/${f.own.environmentId}/destroy`, body: { confirmName: "wrong-name" }, expect: 422 },
  destroyBySource: { path: "/environments/destroy-by-source", body: { teamId: f.own.teamId, repository: "acme/none", pullRequest: 1 }, expect: 404 },
  previewUpdate: { path: `/environments/${f.own.environmentId}/update/preview`, body: { parameters: {} }, expect: 200 },
  updateEnvironment: {
    path: `/environments/${f.own.environmentId}/update`,
    body: { parameters: {}, justification: "contract test change, nothing to change" },
    expect: 422,
  },
  getDrift: { path: `/environments/${f.own.environmentId}/drift`, expect: 200 },
  // The extension above queued its tag update run, which holds the environment: one run at a time.
  checkDrift: { path: `/environments/${f.own.environmentId}/drift/check`, expect: 409 },
  getRun: { path: `/runs/${f.own.runId}`, expect: 200 },
  getRunLog: { path: `/runs/${f.own.runId}/log`, query: "?after=0", expect: 200 },
  costSummary: { path: "/costs/summary", query: `?teamId=${f.own.teamId}`, expect: 200 },
  costExport: { path: "/costs/export", query: `?team=${f.own.teamId}`, expect: 200 },
});

describe("the OpenAPI document", () => {
  it("is valid OpenAPI 3.1", async () => {
    const validator = new Validator();
    const result = await validator.validate(openApiDocument() as never);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect(validator.version).toBe("3.1");
  });

  it("is served at /api/v1/openapi.json without a token", async () => {
    const response = await call("GET", "/openapi.json");
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual(JSON.parse(JSON.stringify(openApiDocument())));
  });

  it("documents every route, and every route has a sample below", () => {
    const doc = openApiDocument() as { paths: Record<string, Record<string, { operationId: string }>> };
    const documented = Object.values(doc.paths).flatMap((ops) => Object.values(ops).map((op) => op.operationId));
    expect(documented.sort()).toEqual(routes.map((r) => r.operationId).sort());
    expect(Object.keys(samples()).sort()).toEqual(documented.sort());
  });
});

describe("every documented route answers as documented", () => {
  const doc = () =>
    openApiDocument() as { paths: Record<string, Record<string, { responses: Record<string, { content?: Record<string, unknown> }> }>> };
  it.each(routes.map((r) => [r.operationId, r] as const))("%s", async (operationId, route) => {
    const sample = samples()[operationId]!;
    const response = await call(route.method, `${sample.path}${sample.query ?? ""}`, { token, body: sample.body });
    const text = await response.text();
    expect(response.status, text).toBe(sample.expect);
    const documented = doc().paths[route.path]![route.method.toLowerCase()]!.responses[String(response.status)];
    expect(documented, `status ${response.status} is documented`).toBeDefined();
    const type = (response.headers.get("content-type") ?? "").split(";")[0]!;
    expect(Object.keys(documented!.content ?? {})).toContain(type);
    if (response.status === route.answer.status && route.answer.schema) {
      const parsed = route.answer.schema.safeParse(JSON.parse(text));
      expect(parsed.success, parsed.error?.message).toBe(true);
    }
    if (response.status >= 400)
      expect(JSON.parse(text)).toMatchObject({ status: response.status, type: expect.any(String), detail: expect.any(String) });
  });

  it("streams a run log as server-sent events, ending when the run is over", async () => {
    const response = await call("GET", `/runs/${f.own.runId}/log`, { token, headers: { accept: "text/event-stream" } });
    expect(response.headers.get("content-type")).toMatch(/text\/event-stream/);
    const text = await response.text();
    expect(text).toContain("event: log");
    expect(text).toContain("apply complete");
    expect(text).toContain("event: end");
  });
});
