/**
 * The tRPC API over HTTP (`/api/trpc`): context per request, the correlation id taken from a sane
 * `x-request-id` (else a new UUID) and sent back in `x-request-id`, and a log line for failures
 * that never reached a procedure (unknown path, unreadable batch); calls that did are logged by
 * the procedures themselves (server/api/trpc.ts).
 */
import { fetchRequestHandler } from "@trpc/server/adapters/fetch";
import type { Logger } from "pino";
import type { Database } from "~/db/client";
import { logger as rootLogger } from "~/server/logger";
import { correlationIdFrom } from "~/server/observability/correlation";
import type { Viewer } from "~/server/services/users";
import { appRouter } from "./root";
import { createContext, loggedErrors } from "./trpc";

export type TrpcHttpDeps = {
  db: () => Database;
  viewer: () => Promise<Viewer | null>;
  log?: Logger;
};

export function trpcHttpHandler(deps: TrpcHttpDeps) {
  return (req: Request) => {
    const correlationId = correlationIdFrom(req.headers);
    const parent = deps.log ?? rootLogger;
    const log = parent.child({ correlationId });
    return fetchRequestHandler({
      endpoint: "/api/trpc",
      req,
      router: appRouter,
      createContext: async () => createContext(deps.db(), await deps.viewer(), { correlationId, log: parent }),
      responseMeta: () => ({ headers: { "x-request-id": correlationId } }),
      onError({ error, path, type }) {
        if (loggedErrors.has(error)) return;
        const line = { path: path ?? null, type, outcome: "error", code: error.code };
        if (error.code === "INTERNAL_SERVER_ERROR") log.error({ ...line, err: error }, "trpc request failed");
        else log.info(line, "trpc request refused before reaching a procedure");
      },
    });
  };
}
