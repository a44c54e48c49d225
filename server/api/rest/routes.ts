/**
 * The REST API's routes (/api/v1): method, path, the scope a token needs, the schemas of its
 * path, query and body, its documented answer, and a handler of one or two calls to the same
 * tRPC procedures the pages use (createCaller), so access rules, validation and business rules
 * are those of the app, and nothing is decided here. The OpenAPI document is generated from
 * this table (openapi.ts); the router (router.ts) authenticates, limits and dispatches.
 */
import { randomUUID } from "node:crypto";
import type { z } from "zod";
import type { Logger } from "pino";
import type { Database } from "~/db/client";
import type { TokenScope } from "~/server/schemas/api-tokens";
import * as api from "~/server/schemas/api";
import { updateChange } from "~/server/schemas/updates";
import type { TokenIdentity } from "~/server/services/api-tokens";
import type { Viewer } from "~/server/services/users";
import { costExportResponse } from "../cost-export";
import { runLogStream } from "../run-log-stream";
import type { createCaller } from "../root";

export type RestContext = {
  caller: ReturnType<typeof createCaller>;
  db: Database;
  viewer: Viewer;
  token: TokenIdentity;
  request: Request;
  correlationId: string;
  log: Logger;
};

type Obj = z.ZodObject;
export type RouteDef<
  P extends Obj | undefined = Obj | undefined,
  Q extends Obj | undefined = Obj | undefined,
  B extends z.ZodType | undefined = z.ZodType | undefined,
> = {
  method: "GET" | "POST";
  path: string;
  operationId: string;
  tag: "Catalog" | "Requests" | "Environments" | "Runs" | "Costs" | "Identity";
  summary: string;
  description?: string;
  scope: TokenScope;
  params?: P;
  query?: Q;
  body?: B;
  /** Creates: accept an `Idempotency-Key` header. */
  idempotent?: boolean;
  answer: { status: number; description: string; schema?: z.ZodType; contentType?: "application/json" | "text/csv" | "text/event-stream" };
  /** Other content types the route also answers (content negotiation by Accept). */
  alternatives?: { contentType: "text/event-stream"; description: string }[];
  /** Problems the route documents besides 401, 403, 429 (documented for every route). */
  problems: number[];
  handle: (
    ctx: RestContext,
    input: {
      params: P extends Obj ? z.output<P> : undefined;
      query: Q extends Obj ? z.output<Q> : undefined;
      body: B extends z.ZodType ? z.output<B> : undefined;
    },
  ) => Promise<unknown>;
};

const route = <P extends Obj | undefined = undefined, Q extends Obj | undefined = undefined, B extends z.ZodType | undefined = undefined>(
  def: RouteDef<P, Q, B>,
) => def as unknown as RouteDef;

/** The version a client looked at, or the current one (for clients that send none). */
const versionOf = async (given: number | undefined, current: () => Promise<number>) => given ?? (await current());

export const routes: RouteDef[] = [
  route({
    method: "GET",
    path: "/me",
    operationId: "getMe",
    tag: "Identity",
    summary: "Who the token acts as",
    scope: "read",
    answer: { status: 200, description: "The token's identity, teams and scopes.", schema: api.meAnswer },
    problems: [],
    handle: async ({ viewer, token }) => ({
      user: { id: viewer.id, email: viewer.email, name: viewer.name, globalRole: viewer.globalRole },
      teams: viewer.teams.map(({ id, slug, name, role }) => ({ id, slug, name, role })),
      token: { id: token.id, kind: token.kind, name: token.name, scopes: token.scopes },
    }),
  }),

  // Catalog --------------------------------------------------------------------------------------
  route({
    method: "GET",
    path: "/catalog",
    operationId: "listCatalog",
    tag: "Catalog",
    summary: "List the published templates",
    scope: "read",
    answer: { status: 200, description: "Every published, not deprecated template.", schema: api.catalogListAnswer },
    problems: [],
    handle: ({ caller }) => caller.catalog.list(),
  }),
  route({
    method: "GET",
    path: "/catalog/{name}",
    operationId: "getTemplate",
    tag: "Catalog",
    summary: "One template with its parameters and versions",
    scope: "read",
    params: api.templatePath,
    answer: { status: 200, description: "The template, its newest version's document and default plan.", schema: api.templateAnswer },
    problems: [404, 422],
    handle: ({ caller }, { params }) => caller.catalog.get({ name: params.name }),
  }),
  route({
    method: "POST",
    path: "/catalog/{name}/preview",
    operationId: "previewTemplate",
    tag: "Catalog",
    summary: "Plan, cost, budget, quotas and policy decision of a request",
    description: "The same answer the request form shows, for a team the caller belongs to. Changes nothing.",
    scope: "read",
    params: api.templatePath,
    body: api.previewBody,
    answer: {
      status: 200,
      description: "The plan and the policy decision (auto_approved, needs_approval or denied, with reasons).",
      schema: api.previewAnswer,
    },
    problems: [404, 422],
    handle: ({ caller }, { params, body }) => caller.requests.preview({ ...body, templateName: params.name }),
  }),

  // Requests -------------------------------------------------------------------------------------
  route({
    method: "POST",
    path: "/requests",
    operationId: "createRequest",
    tag: "Requests",
    summary: "Request an environment",
    description:
      "With `source` (repository, pullRequest, commit), a live request of the same team, repository and PR is re-used: its commit is updated and it is answered with `reused: true` instead of a duplicate.",
    scope: "request",
    body: api.createRequestBody,
    idempotent: true,
    answer: { status: 201, description: "The request (or the re-used one).", schema: api.createdRequestAnswer },
    problems: [404, 409, 422],
    handle: ({ caller }, { body }) => caller.requests.submit({ ...body, clientRequestId: body.clientRequestId ?? randomUUID() }),
  }),
  route({
    method: "GET",
    path: "/requests",
    operationId: "listRequests",
    tag: "Requests",
    summary: "List requests of your teams",
    scope: "read",
    query: api.listRequestsQuery,
    answer: { status: 200, description: "A page of requests, newest first; `nextCursor` fetches the next.", schema: api.requestListAnswer },
    problems: [422],
    handle: ({ caller }, { query }) => caller.requests.list(query),
  }),
  route({
    method: "GET",
    path: "/requests/{requestId}",
    operationId: "getRequest",
    tag: "Requests",
    summary: "One request with its approvals, environment and runs",
    scope: "read",
    params: api.requestPath,
    answer: { status: 200, description: "The request.", schema: api.requestAnswer },
    problems: [404, 422],
    handle: ({ caller }, { params }) => caller.requests.get(params),
  }),
  route({
    method: "POST",
    path: "/requests/{requestId}/cancel",
    operationId: "cancelRequest",
    tag: "Requests",
    summary: "Cancel a pending request (its requester or an admin)",
    scope: "request",
    params: api.requestPath,
    body: api.cancelBody,
    answer: { status: 200, description: "The cancelled request.", schema: api.requestChangeAnswer },
    problems: [404, 409, 422],
    handle: async ({ caller }, { params, body }) =>
      caller.requests.cancel({
        requestId: params.requestId,
        reason: body.reason,
        expectedVersion: await versionOf(body.expectedVersion, async () => (await caller.requests.get(params)).request.version),
      }),
  }),
  ...(["approve", "reject"] as const).map((verb) =>
    route({
      method: "POST",
      path: `/requests/{requestId}/${verb}`,
      operationId: `${verb}Request`,
      tag: "Requests",
      summary:
        verb === "approve" ? "Approve a request (personal tokens of approvers)" : "Reject a request, saying why (personal tokens of approvers)",
      scope: "approve",
      params: api.requestPath,
      body: api.decisionBody,
      answer: { status: 200, description: "The request after the decision.", schema: api.requestChangeAnswer },
      problems: [404, 409, 422],
      handle: async ({ caller }, { params, body }) =>
        caller.approvals.decide({
          requestId: params.requestId,
          decision: verb === "approve" ? "approved" : "rejected",
          comment: body.comment,
          expectedVersion: await versionOf(body.expectedVersion, async () => (await caller.requests.get(params)).request.version),
        }),
    }),
  ),

  // Environments ---------------------------------------------------------------------------------
  route({
    method: "GET",
    path: "/environments",
    operationId: "listEnvironments",
    tag: "Environments",
    summary: "List environments (yours, or your teams')",
    scope: "read",
    query: api.listEnvironmentsQuery,
    answer: { status: 200, description: "A page of environments.", schema: api.environmentListAnswer },
    problems: [422],
    handle: ({ caller }, { query }) => caller.environments.list(query),
  }),
  route({
    method: "GET",
    path: "/environments/{environmentId}",
    operationId: "getEnvironment",
    tag: "Environments",
    summary: "One environment with resources, outputs, runs and cost",
    scope: "read",
    params: api.environmentPath,
    answer: { status: 200, description: "The environment.", schema: api.environmentAnswer },
    problems: [404, 422],
    handle: ({ caller }, { params }) => caller.environments.get(params),
  }),
  route({
    method: "GET",
    path: "/environments/{environmentId}/outputs",
    operationId: "getOutputs",
    tag: "Environments",
    summary: "The environment's outputs (secret ones by name only)",
    scope: "read",
    params: api.environmentPath,
    answer: { status: 200, description: "Outputs; a sensitive one has value null until revealed.", schema: api.outputsAnswer },
    problems: [404, 422],
    handle: async ({ caller }, { params }) => ({ outputs: (await caller.environments.get(params)).outputs }),
  }),
  route({
    method: "POST",
    path: "/environments/{environmentId}/outputs/{name}/reveal",
    operationId: "revealOutput",
    tag: "Environments",
    summary: "Reveal one secret output (owner and team approvers; audited, refusals too)",
    scope: "read",
    params: api.outputPath,
    answer: { status: 200, description: "The secret's value.", schema: api.revealAnswer },
    problems: [404, 422],
    handle: ({ caller }, { params }) => caller.environments.revealSecret(params),
  }),
  route({
    method: "POST",
    path: "/environments/{environmentId}/extend",
    operationId: "extendEnvironment",
    tag: "Environments",
    summary: "Extend the lifetime (through the extension policy)",
    scope: "request",
    params: api.environmentPath,
    body: api.extendBody,
    idempotent: true,
    answer: { status: 201, description: "The extension request: applied at once or waiting for approval.", schema: api.extensionAnswer },
    problems: [404, 409, 422],
    handle: ({ caller }, { params, body }) => caller.extensions.request({ ...params, ...body, clientRequestId: randomUUID() }),
  }),
  route({
    method: "POST",
    path: "/environments/{environmentId}/destroy",
    operationId: "destroyEnvironment",
    tag: "Environments",
    summary: "Destroy an environment (its owner, the team's approvers, admins)",
    scope: "destroy",
    params: api.environmentPath,
    body: api.destroyBody,
    answer: { status: 202, description: "Destroy queued.", schema: api.destroyAnswer },
    problems: [404, 409, 422],
    handle: async ({ caller }, { params, body }) =>
      caller.environments.destroy({
        environmentId: params.environmentId,
        confirmName: body.confirmName,
        expectedVersion: await versionOf(body.expectedVersion, async () => (await caller.environments.get(params)).environment.version),
      }),
  }),
  route({
    method: "POST",
    path: "/environments/destroy-by-source",
    operationId: "destroyBySource",
    tag: "Environments",
    summary: "Destroy the live environment of a pull request (on PR close)",
    scope: "destroy",
    body: api.destroyBySourceBody,
    answer: { status: 202, description: "Destroy queued for the PR's environment.", schema: api.destroyAnswer },
    problems: [404, 409, 422],
    handle: async ({ caller }, { body }) => {
      const found = await caller.prEnvironments.find(body);
      const result = await caller.environments.destroy({ environmentId: found.id, confirmName: found.name, expectedVersion: found.version });
      return { ...result, environmentId: found.id, environmentName: found.name };
    },
  }),

  // Runs -----------------------------------------------------------------------------------------
  route({
    method: "GET",
    path: "/runs/{runId}",
    operationId: "getRun",
    tag: "Runs",
    summary: "A run's status and the first page of its log",
    scope: "read",
    params: api.runPath,
    answer: { status: 200, description: "The run and log lines.", schema: api.runAnswer },
    problems: [404, 422],
    handle: ({ caller }, { params }) => caller.runs.get({ runId: params.runId, after: 0 }),
  }),
  route({
    method: "GET",
    path: "/runs/{runId}/log",
    operationId: "getRunLog",
    tag: "Runs",
    summary: "A run's log: paged JSON, or live server-sent events with Accept: text/event-stream",
    description:
      "JSON: the lines after `after` (a line id). SSE: `log` events as lines are written, `status`, then `end` when the run finishes; `Last-Event-ID` resumes.",
    scope: "read",
    params: api.runPath,
    query: api.runLogQuery,
    answer: { status: 200, description: "Log lines after `after`.", schema: api.runAnswer },
    alternatives: [{ contentType: "text/event-stream", description: "The live log." }],
    problems: [404, 422],
    handle: async ({ caller, request, db }, { params, query }) => {
      const page = await caller.runs.get({ runId: params.runId, after: query.after });
      if (!(request.headers.get("accept") ?? "").includes("text/event-stream")) return page;
      return runLogStream(request, db, params.runId);
    },
  }),

  // Day 2: changes and drift ---------------------------------------------------------------------
  route({
    method: "POST",
    path: "/environments/{environmentId}/update/preview",
    operationId: "previewUpdate",
    tag: "Environments",
    summary: "Preview a change: plan diff, cost delta, budget, quota and the policy decision",
    scope: "request",
    params: api.environmentPath,
    body: updateChange,
    answer: { status: 200, description: "What the change would do, and what needs confirming.", schema: api.updatePreviewAnswer },
    problems: [404, 409, 422],
    handle: ({ caller }, { params, body }) => caller.updates.preview({ ...params, ...body }),
  }),
  route({
    method: "POST",
    path: "/environments/{environmentId}/update",
    operationId: "updateEnvironment",
    tag: "Environments",
    summary: "Change parameters and/or template version (through the update policy)",
    scope: "request",
    params: api.environmentPath,
    body: api.updateBody,
    idempotent: true,
    answer: { status: 201, description: "The update request: queued, or waiting for approval.", schema: api.updateAnswer },
    problems: [404, 409, 422],
    handle: ({ caller }, { params, body }) => caller.updates.request({ ...params, ...body, clientRequestId: randomUUID() }),
  }),
  route({
    method: "GET",
    path: "/environments/{environmentId}/drift",
    operationId: "getDrift",
    tag: "Environments",
    summary: "Drift status: in sync, drifted (with the per-resource diff) or check failed, and recent checks",
    scope: "read",
    params: api.environmentPath,
    answer: { status: 200, description: "The drift state and history.", schema: api.driftAnswer },
    problems: [404, 422],
    handle: ({ caller }, { params }) => caller.drift.get(params),
  }),
  route({
    method: "POST",
    path: "/environments/{environmentId}/drift/check",
    operationId: "checkDrift",
    tag: "Environments",
    summary: "Check for drift now (read-only for the cloud; one run at a time per environment)",
    scope: "request",
    params: api.environmentPath,
    answer: { status: 202, description: "The drift check run, queued.", schema: api.driftCheckAnswer },
    problems: [404, 409, 422],
    handle: ({ caller }, { params }) => caller.drift.checkNow(params),
  }),

  // Costs ----------------------------------------------------------------------------------------
  route({
    method: "GET",
    path: "/costs/summary",
    operationId: "costSummary",
    tag: "Costs",
    summary: "A month of cost of a team (or of every team: admins and auditors)",
    scope: "read",
    query: api.costSummaryQuery,
    answer: { status: 200, description: "Spend, budget, forecast and breakdowns.", schema: api.costSummaryAnswer },
    problems: [404, 422],
    handle: ({ caller }, { query }) => caller.costs.summary(query),
  }),
  route({
    method: "GET",
    path: "/costs/export",
    operationId: "costExport",
    tag: "Costs",
    summary: "A month of cost as FOCUS 1.x CSV",
    scope: "read",
    query: api.costExportApiQuery,
    answer: { status: 200, description: "FOCUS CSV.", contentType: "text/csv" },
    problems: [404, 422],
    handle: ({ request, db, viewer }) => costExportResponse(request, { db, viewer }),
  }),
];
