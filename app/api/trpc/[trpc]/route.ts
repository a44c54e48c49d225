import { fetchRequestHandler } from "@trpc/server/adapters/fetch";
import { randomUUID } from "node:crypto";
import { appRouter } from "~/server/api/root";
import { createContext } from "~/server/api/trpc";
import { getViewer } from "~/server/auth/session";
import { db } from "~/server/db";
import { logger } from "~/server/logger";

function handler(req: Request) {
  const requestId = req.headers.get("x-request-id") ?? randomUUID();
  return fetchRequestHandler({
    endpoint: "/api/trpc",
    req,
    router: appRouter,
    createContext: async () => createContext(db(), await getViewer(), requestId),
    onError({ error, path }) {
      if (error.code === "INTERNAL_SERVER_ERROR") logger.error({ err: error, path, requestId }, "tRPC call failed");
    },
  });
}

export { handler as GET, handler as POST };
