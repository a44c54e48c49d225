/**
 * The OpenAPI 3.1 document of /api/v1, generated from the route table and its zod schemas
 * (z.toJSONSchema, JSON Schema 2020-12 as OpenAPI 3.1 uses): the same schemas validate the calls.
 */
import { z } from "zod";
import { problemAnswer } from "~/server/schemas/api";
import { scopeMeaning, tokenScopes } from "~/server/schemas/api-tokens";
import { routes, type RouteDef } from "./routes";

type JsonSchema = Record<string, unknown>;

const jsonSchema = (schema: z.ZodType, io: "input" | "output"): JsonSchema => {
  const { $schema: _drop, ...rest } = z.toJSONSchema(schema, { target: "draft-2020-12", io, unrepresentable: "any" }) as JsonSchema;
  return rest;
};

function parameters(route: RouteDef) {
  const list: Record<string, unknown>[] = [];
  const add = (schema: z.ZodObject | undefined, where: "path" | "query") => {
    if (!schema) return;
    const json = jsonSchema(schema, "input") as { properties?: Record<string, JsonSchema>; required?: string[] };
    for (const [name, property] of Object.entries(json.properties ?? {})) {
      const { description, ...rest } = property as JsonSchema & { description?: string };
      list.push({
        name,
        in: where,
        required: where === "path" || (json.required ?? []).includes(name),
        schema: rest,
        ...(description ? { description } : {}),
      });
    }
  };
  add(route.params, "path");
  add(route.query, "query");
  if (route.idempotent)
    list.push({
      name: "Idempotency-Key",
      in: "header",
      required: false,
      description: "Makes a retry safe: the same key and body answer the first call's result; the same key with another body is refused (422).",
      schema: { type: "string", minLength: 1, maxLength: 255 },
    });
  return list;
}

const problemRef = { $ref: "#/components/schemas/Problem" };
const problemDescriptions: Record<number, string> = {
  401: "No token, or a malformed, unknown, revoked or expired one (the detail says which).",
  403: "The token lacks the scope, or its identity may not do this.",
  404: "Not found, or not readable by the token's identity (other teams' objects do not exist for it).",
  409: "A conflict: the object changed since you looked (version), or the call is still running.",
  422: "Invalid input: `field` names the first field at fault, `errors` all of them.",
  429: "Rate limit reached: retry after `Retry-After` seconds.",
};

function operation(route: RouteDef) {
  const responses: Record<string, unknown> = {};
  const contentType = route.answer.contentType ?? "application/json";
  const content: Record<string, unknown> = {
    [contentType]: { schema: route.answer.schema ? jsonSchema(route.answer.schema, "output") : contentType === "text/csv" ? { type: "string" } : {} },
  };
  for (const alt of route.alternatives ?? []) content[alt.contentType] = { schema: { type: "string", description: alt.description } };
  responses[String(route.answer.status)] = {
    description: route.answer.description,
    headers: {
      "RateLimit-Limit": { $ref: "#/components/headers/RateLimit-Limit" },
      "RateLimit-Remaining": { $ref: "#/components/headers/RateLimit-Remaining" },
    },
    content,
  };
  for (const status of [...new Set([401, 403, 429, ...route.problems])].sort())
    responses[String(status)] = {
      description: problemDescriptions[status] ?? "Refused.",
      content: { "application/problem+json": { schema: problemRef } },
    };
  const body = route.body ? { requestBody: { required: true, content: { "application/json": { schema: jsonSchema(route.body, "input") } } } } : {};
  return {
    operationId: route.operationId,
    tags: [route.tag],
    summary: route.summary,
    ...(route.description ? { description: route.description } : {}),
    security: [{ bearer: [route.scope] }],
    "x-required-scope": route.scope,
    parameters: parameters(route),
    ...body,
    responses,
  };
}

let cached: Record<string, unknown> | null = null;

export function openApiDocument(): Record<string, unknown> {
  if (cached) return cached;
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of routes) (paths[route.path] ??= {})[route.method.toLowerCase()] = operation(route);
  cached = {
    openapi: "3.1.0",
    info: {
      title: "Provisio API",
      version: "1.0.0",
      description:
        "Self-service environments over HTTP. Authenticate with `Authorization: Bearer pvo_…` (a personal or team service token from the app's settings); cookies are not accepted. Errors are RFC 9457 problem details.",
    },
    servers: [{ url: "/api/v1" }],
    tags: [
      { name: "Identity", description: "Who the token acts as." },
      { name: "Catalog", description: "Templates and the plan, cost and policy decision of a request." },
      { name: "Requests", description: "Requests for environments, their approval and cancellation." },
      { name: "Environments", description: "Live environments: outputs, extension, destroy; ephemeral environments per pull request." },
      { name: "Runs", description: "Provisioning runs and their logs (paged JSON or live SSE)." },
      { name: "Costs", description: "Cost summaries and the FOCUS export." },
    ],
    paths,
    components: {
      securitySchemes: {
        bearer: {
          type: "http",
          scheme: "bearer",
          bearerFormat: "pvo_ token",
          description: `Scopes: ${tokenScopes.map((s) => `\`${s}\` (${scopeMeaning[s]})`).join("; ")}.`,
        },
      },
      headers: {
        "RateLimit-Limit": { description: "Calls the bucket holds.", schema: { type: "integer" } },
        "RateLimit-Remaining": { description: "Calls left now.", schema: { type: "integer" } },
      },
      schemas: { Problem: jsonSchema(problemAnswer, "output") },
    },
  };
  return cached;
}
