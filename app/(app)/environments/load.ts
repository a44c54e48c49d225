import "server-only";
import { TRPCError } from "@trpc/server";
import { notFound } from "next/navigation";
import { cache } from "react";
import { serverApi } from "~/server/api/caller";

const missing = (error: unknown) => error instanceof TRPCError && (error.code === "NOT_FOUND" || error.code === "BAD_REQUEST");

/** An environment as the viewer may see it, or the 404 page (unknown id, malformed id, another team's environment). */
export const loadEnvironment = cache(async (environmentId: string) => {
  const api = await serverApi();
  return api.environments.get({ environmentId }).catch((error: unknown) => {
    if (missing(error)) notFound();
    throw error;
  });
});
