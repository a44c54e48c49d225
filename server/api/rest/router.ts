/**
 * The REST API over HTTP (/api/v1): for each call, in order:
 * 1. the route (404 unknown path, 405 other method);
 * 2. the token: `Authorization: Bearer pvo_…` only; cookies are never read here, so a browser
 *    session cannot be used (no CSRF); missing, malformed, unknown, revoked or expired → 401
 *    with the reason; a scope the route needs and the token lacks → 403;
 * 3. the rate limits of the token and of its user (429 + Retry-After; RateLimit-* headers on
 *    every authenticated answer);
 * 4. path, query and body validated by the route's schemas (422 naming the field);
 * 5. `Idempotency-Key` on creates; 6. the handler (tRPC procedures); 7. one log line — method,
 *    route, status, duration, token id; never headers, bodies or the token.
 */
import { performance } from "node:perf_hooks";
import type { Logger } from "pino";
import { type z } from "zod";
import type { Database } from "~/db/client";
import { logger as rootLogger } from "~/server/logger";
import { correlationIdFrom } from "~/server/observability/correlation";
import { authenticateToken } from "~/server/services/api-tokens";
import { claimKey, idempotencyKeyShape, settleKey } from "~/server/services/idempotency";
import { takeTokens, type RateDecision } from "~/server/services/rate-limit";
import { redactError } from "~/server/core/redacted-error";
import { createCaller } from "../root";
import { createContext } from "../trpc";
import { openApiDocument } from "./openapi";
import { faultProblem, limitsProblem, problem, problemFromError, problemResponse, zodProblem, type Problem } from "./problem";
import { routes, type RouteDef } from "./routes";

export const apiBase = "/api/v1";
const maxBodyBytes = 64 * 1024;

export type RestDeps = {
  db: () => Database;
  log?: Logger;
  /** Calls per minute and burst, per token and per user. */
  limits: () => { perMinute: number; burst: number };
};

type Match = { route: RouteDef; params: Record<string, string> };

const compiled = routes.map((route) => ({
  route,
  pattern: new RegExp(`^${route.path.replace(/\{(\w+)\}/g, (_, name: string) => `(?<${name}>[^/]+)`)}$`),
}));

function match(method: string, path: string): Match | { allow: string[] } | null {
  const found = compiled.filter((c) => c.pattern.test(path));
  if (found.length === 0) return null;
  const hit = found.find((c) => c.route.method === method);
  if (!hit) return { allow: [...new Set(found.map((c) => c.route.method))] };
  const groups = hit.pattern.exec(path)?.groups ?? {};
  const params = Object.fromEntries(Object.entries(groups).map(([k, v]) => [k, safeDecode(v)]));
  return { route: hit.route, params };
}

const safeDecode = (value: string) => {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
};

function rateHeaders(decision: RateDecision): Record<string, string> {
  return {
    "ratelimit-limit": String(decision.limit),
    "ratelimit-remaining": String(decision.remaining),
    "ratelimit-reset": String(decision.resetSeconds),
    "ratelimit-policy": `${decision.limit};w=${decision.windowSeconds}`,
  };
}

function clientIp(request: Request): string | null {
  const forwarded = request.headers.get("x-forwarded-for")?.split(",")[0]?.trim();
  const ip = forwarded || request.headers.get("x-real-ip")?.trim() || null;
  return ip && /^[0-9a-fA-F:.]{2,45}$/.test(ip) ? ip : null;
}

async function readBody(request: Request): Promise<{ ok: true; value: unknown } | { ok: false; problem: Problem }> {
  const text = await request.text();
  if (new TextEncoder().encode(text).length > maxBodyBytes)
    return { ok: false, problem: problem(413, `The body is larger than ${maxBodyBytes} bytes.`) };
  if (text.trim() === "") return { ok: true, value: {} };
  const type = request.headers.get("content-type") ?? "";
  if (!/^application\/([a-z.+-]*\+)?json\b/i.test(type)) return { ok: false, problem: problem(415, "Send the body as application/json.") };
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    return { ok: false, problem: problem(400, "The body is not valid JSON.") };
  }
}

function jsonResponse(status: number, body: unknown, headers: Record<string, string>) {
  return new Response(status === 204 ? null : JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json", "cache-control": "no-store", ...headers },
  });
}

/** A handler's own JSON error (the cost export's) re-shaped as problem+json. */
async function asProblem(response: Response): Promise<Response | Problem> {
  if (response.status < 400 || !(response.headers.get("content-type") ?? "").startsWith("application/json")) return response;
  const body = (await response.json().catch(() => ({}))) as { error?: string; fieldErrors?: Record<string, string[]> };
  const errors = body.fieldErrors ?? undefined;
  const field = errors ? (Object.keys(errors)[0] ?? null) : null;
  return problem(response.status === 400 ? 422 : response.status, body.error ?? "Refused.", { field, ...(errors ? { errors } : {}) });
}

export function restHandler(deps: RestDeps) {
  return async (request: Request): Promise<Response> => {
    const started = performance.now();
    const correlationId = correlationIdFrom(request.headers);
    const log = (deps.log ?? rootLogger).child({ correlationId });
    const url = new URL(request.url);
    const path = url.pathname.startsWith(apiBase) ? url.pathname.slice(apiBase.length) || "/" : url.pathname;
    const base: Record<string, string> = { "x-request-id": correlationId };
    let tokenId: string | null = null;
    let operation: string | null = null;

    const finish = (response: Response) => {
      for (const [k, v] of Object.entries(base)) response.headers.set(k, v);
      log.info(
        {
          method: request.method,
          path: operation ?? "unmatched",
          status: response.status,
          tokenId,
          durationMs: Math.round((performance.now() - started) * 10) / 10,
        },
        "api call",
      );
      return response;
    };
    const refuse = (p: Problem, headers: Record<string, string> = {}) => finish(problemResponse({ ...p, instance: url.pathname }, headers));

    if (request.method === "GET" && path === "/openapi.json") {
      operation = "openapi";
      return finish(jsonResponse(200, openApiDocument(), { "cache-control": "public, max-age=300", "access-control-allow-origin": "*" }));
    }

    const found = match(request.method, path);
    if (!found) return refuse(problem(404, `No API route ${request.method} ${path}. See ${apiBase}/openapi.json.`));
    if ("allow" in found) return refuse(problem(405, `${path} answers ${found.allow.join(", ")}.`), { allow: found.allow.join(", ") });
    const { route } = found;
    operation = route.operationId;

    // 2. The token: a header only, never a cookie.
    const authorization = request.headers.get("authorization");
    const challenge = (error: string, description: string) => ({
      "www-authenticate": `Bearer realm="provisio", error="${error}", error_description="${description.replace(/"/g, "'")}"`,
    });
    if (!authorization) {
      const detail = request.headers.get("cookie")
        ? "The API accepts only `Authorization: Bearer <token>`; browser session cookies are not accepted here. Create a token under Account → API tokens."
        : "Send `Authorization: Bearer <token>`. Create a token under Account → API tokens.";
      return refuse(problem(401, detail), { "www-authenticate": 'Bearer realm="provisio"' });
    }
    const [scheme, raw, ...rest] = authorization.trim().split(/\s+/);
    if (scheme?.toLowerCase() !== "bearer" || !raw || rest.length > 0)
      return refuse(problem(401, "The Authorization header must be `Bearer <token>`."), challenge("invalid_request", "Bearer token expected"));
    const db = deps.db();
    const auth = await authenticateToken(db, raw, clientIp(request));
    if (!auth.ok) return refuse(problem(401, auth.message, { field: null }), challenge("invalid_token", auth.message));
    tokenId = auth.token.id;
    if (!auth.token.scopes.includes(route.scope)) {
      const detail = `This call needs the "${route.scope}" scope; the token has ${auth.token.scopes.join(", ")}.`;
      return refuse(problem(403, detail), challenge("insufficient_scope", detail));
    }

    // 3. Rate limits.
    const { perMinute, burst } = deps.limits();
    const decision = await takeTokens(db, [
      { key: `token:${auth.token.id}`, capacity: burst, perSecond: perMinute / 60 },
      { key: `user:${auth.token.userId}`, capacity: burst * 2, perSecond: (perMinute * 2) / 60 },
    ]);
    Object.assign(base, rateHeaders(decision));
    if (!decision.allowed)
      return refuse(problem(429, `Rate limit reached (${decision.key.split(":")[0]}): try again in ${decision.retryAfterSeconds} s.`), {
        "retry-after": String(decision.retryAfterSeconds),
      });

    // 4. Inputs.
    const rawQuery: Record<string, string> = {};
    for (const [k, v] of url.searchParams) rawQuery[k] = v;
    const limitsQuery = limitsProblem(rawQuery);
    if (limitsQuery) return refuse(limitsQuery);
    const params = route.params ? route.params.safeParse(found.params) : null;
    if (params && !params.success) return refuse(zodProblem(params.error, "path"));
    const query = route.query ? route.query.safeParse(rawQuery) : null;
    if (query && !query.success) return refuse(zodProblem(query.error, "query"));
    let rawBody: unknown = undefined;
    let body: z.ZodSafeParseResult<unknown> | null = null;
    if (route.body) {
      const read = await readBody(request);
      if (!read.ok) return refuse(read.problem);
      rawBody = read.value;
      const limits = limitsProblem(rawBody);
      if (limits) return refuse(limits);
      body = route.body.safeParse(rawBody);
      if (!body.success) return refuse(zodProblem(body.error, "body"));
    }

    // 5. Idempotency.
    const key = route.idempotent ? request.headers.get("idempotency-key") : null;
    if (key !== null && !idempotencyKeyShape.test(key))
      return refuse(problem(422, "Idempotency-Key must be 1 to 255 visible ASCII characters.", { field: "Idempotency-Key" }));
    if (key !== null) {
      const claim = await claimKey(db, auth.token.id, key, `${route.method} ${url.pathname}`, rawBody);
      if (claim.state === "mismatch")
        return refuse(problem(422, "This Idempotency-Key was used with a different request body.", { field: "Idempotency-Key" }));
      if (claim.state === "in_progress") return refuse(problem(409, "A call with this Idempotency-Key is still running."));
      if (claim.state === "replay") {
        base["idempotency-replayed"] = "true";
        const replayed = claim.body as { problem?: Problem; data?: unknown };
        return finish(replayed.problem ? problemResponse(replayed.problem) : jsonResponse(claim.status, replayed.data, {}));
      }
    }

    // 6. The handler, through the app's own procedures.
    const caller = createCaller(createContext(db, auth.viewer, { correlationId, log: deps.log ?? rootLogger }));
    const input = { params: params?.data, query: query?.data, body: body?.data } as Parameters<RouteDef["handle"]>[1];
    let status: number;
    let stored: { problem?: Problem; data?: unknown };
    let response: Response;
    try {
      const result = await route.handle({ caller, db, viewer: auth.viewer, token: auth.token, request, correlationId, log }, input);
      if (result instanceof Response) {
        const shaped = await asProblem(result);
        if (shaped instanceof Response) return finish(shaped);
        status = shaped.status;
        stored = { problem: { ...shaped, instance: url.pathname } };
        response = problemResponse(stored.problem!);
      } else {
        status = route.answer.status;
        stored = { data: result };
        response = jsonResponse(status, result, {});
      }
    } catch (error) {
      const known = problemFromError(error);
      if (known) {
        stored = { problem: { ...known, instance: url.pathname } };
        status = known.status;
      } else {
        log.error({ err: redactError(error), path: route.operationId }, "api call failed");
        stored = { problem: { ...faultProblem(correlationId), instance: url.pathname } };
        status = 500;
      }
      response = problemResponse(stored.problem!);
    }
    if (key !== null) await settleKey(db, auth.token.id, key, status, stored);
    return finish(response);
  };
}
