import { TRPCClientError } from "@trpc/client";

/** The API's message, for an error notice. */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : "The request failed.";
}

/** A draft saved by someone else since it was loaded (optimistic lock), as opposed to a problem of the YAML. */
export function isLockConflict(error: unknown): boolean {
  if (!(error instanceof TRPCClientError)) return false;
  const data = error.data as { code?: string; field?: string | null } | undefined;
  return data?.code === "CONFLICT" && !data.field;
}
