/**
 * The tRPC API over HTTP (`/api/trpc`): context per request, the correlation id taken from a sane
 * `x-request-id` (else a new UUID) and sent back in `x-request-id`, and a log line for failures
 * that never reached a procedure (unknown path, unreadable batch, refused request); calls that
 * did are logged by the procedures themselves (server/api/trpc.ts).
 *
 * Before tRPC reads anything, trpc-request-guard.ts checks the request (same site for changes,
 * JSON only, body size, batch size, superjson envelope): a refusal is answered here, once, in
 * tRPC's error shape, so the client shows it like any other error.
 */
import { getTRPCErrorShape, type TRPCError, transformTRPCResponse } from "@trpc/server";
import { fetchRequestHandler } from "@trpc/server/adapters/fetch";
import { getHTTPStatusCodeFromError } from "@trpc/server/http";
import type { Logger } from "pino";
import type { Database } from "~/db/client";
import { logger as rootLogger } from "~/server/logger";
import { correlationIdFrom } from "~/server/observability/correlation";
import type { Viewer } from "~/server/services/users";
import { redactError } from "~/server/core/redacted-error";
import { appRouter } from "./root";
import { guardTrpcRequest, trpcRequestLimits } from "./trpc-request-guard";
import type { ReadCache } from "./read-cache";
import { createContext, loggedErrors, type Context } from "./trpc";

export type TrpcHttpDeps = {
  db: () => Database;
  viewer: () => Promise<Viewer | null>;
  /** The web process's read cache (read-cache.ts); without one every call reads the database. */
  readCache?: () => ReadCache;
  log?: Logger;
  /** The public URL(s) of Provisio (NEXTAUTH_URL): state-changing requests must come from there or the host they were sent to. */
  publicUrls?: () => readonly string[];
};

export const trpcEndpoint = "/api/trpc";

function refusalResponse(error: TRPCError, correlationId: string): Response {
  const config = appRouter._def._config;
  const shape = getTRPCErrorShape({ config, error, type: "unknown", path: undefined, input: undefined, ctx: { correlationId } as Context });
  return new Response(JSON.stringify(transformTRPCResponse(config, { error: shape })), {
    status: getHTTPStatusCodeFromError(error),
    headers: { "content-type": "application/json", "cache-control": "no-store", "x-request-id": correlationId },
  });
}

export function trpcHttpHandler(deps: TrpcHttpDeps) {
  return async (req: Request) => {
    const correlationId = correlationIdFrom(req.headers);
    const parent = deps.log ?? rootLogger;
    const log = parent.child({ correlationId });
    const verdict = await guardTrpcRequest(req, { endpoint: trpcEndpoint, publicUrls: deps.publicUrls?.() ?? [] });
    if (!verdict.ok) {
      log.info(
        { path: null, type: "unknown", outcome: "error", code: verdict.error.code, reason: verdict.error.message },
        "trpc request refused before reaching a procedure",
      );
      return refusalResponse(verdict.error, correlationId);
    }
    return fetchRequestHandler({
      endpoint: trpcEndpoint,
      req: verdict.request,
      router: appRouter,
      maxBatchSize: trpcRequestLimits.maxBatchCalls,
      createContext: async () => createContext(deps.db(), await deps.viewer(), { correlationId, log: parent, readCache: deps.readCache?.() }),
      responseMeta: () => ({ headers: { "x-request-id": correlationId } }),
      onError({ error, path, type }) {
        if (loggedErrors.has(error)) return;
        const line = { path: path ?? null, type, outcome: "error", code: error.code };
        if (error.code === "INTERNAL_SERVER_ERROR") log.error({ ...line, err: redactError(error.cause ?? error) }, "trpc request failed");
        else log.info(line, "trpc request refused before reaching a procedure");
      },
    });
  };
}
