import "server-only";
import { TRPCError } from "@trpc/server";
import { notFound } from "next/navigation";
import { serverApi } from "~/server/api/caller";

/** A template with all its versions (drafts included), or the 404 page for an unknown or malformed name. */
export async function loadTemplateForAdmin(name: string) {
  const api = await serverApi();
  return api.templateAdmin.get({ name }).catch((error: unknown) => {
    if (error instanceof TRPCError && (error.code === "NOT_FOUND" || error.code === "BAD_REQUEST")) notFound();
    throw error;
  });
}
