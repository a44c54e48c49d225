import "server-only";
import { headers } from "next/headers";
import { cache } from "react";
import { getViewer } from "~/server/auth/session";
import { db } from "~/server/db";
import { correlationIdFrom } from "~/server/observability/correlation";
import { createCaller } from "./root";
import { createContext } from "./trpc";

/** One correlation id per page render (the request's sane x-request-id, else a new one), shared by its API calls. */
const renderCorrelationId = cache(async () => correlationIdFrom(await headers()));

/** The API as the signed-in user, for server components: same procedures, same access rules. */
export async function serverApi() {
  return createCaller(createContext(db(), await getViewer(), { correlationId: await renderCorrelationId() }));
}
