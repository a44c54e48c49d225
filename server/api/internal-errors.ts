/**
 * Server faults, answered and logged without anyone's data. The caller gets a generic message
 * with the call's correlation id; the log gets what an operator needs (error type, the SQL
 * statement with its placeholders, PostgreSQL's code, table, column and constraint, the stack)
 * but never the bound values: drizzle's "Failed query" message ends with "params: …", which
 * holds what the caller sent; PostgreSQL's `detail` repeats row values and some messages quote
 * the offending input at their end.
 */
import { TRPCError } from "@trpc/server";
import { redactError } from "~/server/core/redacted-error";

export function internalErrorMessage(correlationId: string | null | undefined): string {
  return `Something went wrong on our side.${correlationId ? ` Reference: ${correlationId}.` : ""} Try again; if it keeps failing, give the reference to your administrator.`;
}

/**
 * The error a server fault becomes at the API edge: the generic message for the caller, the
 * redacted original as its cause, and PostgreSQL's fields on it (the log's `err.pg`).
 */
export function serverFault(error: unknown, correlationId: string | null): TRPCError {
  const redacted = redactError(error);
  const fault = new TRPCError({ code: "INTERNAL_SERVER_ERROR", message: internalErrorMessage(correlationId), cause: redacted });
  return redacted.pg ? Object.assign(fault, { pg: redacted.pg }) : fault;
}
