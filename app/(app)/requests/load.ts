import "server-only";
import { TRPCError } from "@trpc/server";
import { notFound } from "next/navigation";
import { cache } from "react";
import { serverApi } from "~/server/api/caller";

const missing = (error: unknown) => error instanceof TRPCError && (error.code === "NOT_FOUND" || error.code === "BAD_REQUEST");

/** A request as the viewer may see it, or the 404 page (unknown id, malformed id, another team's request). */
export const loadRequest = cache(async (requestId: string) => {
  const api = await serverApi();
  return api.requests.get({ requestId }).catch((error: unknown) => {
    if (missing(error)) notFound();
    throw error;
  });
});

/** A published template with its versions, or null when there is none by that name. */
export const loadCatalogTemplate = cache(async (name: string) => {
  const api = await serverApi();
  return api.catalog.get({ name }).catch((error: unknown) => {
    if (missing(error)) return null;
    throw error;
  });
});
