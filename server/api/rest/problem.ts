/**
 * RFC 9457 problem details for /api/v1: every refusal and error answers
 * `application/problem+json` with a type, a title, the status, a detail and, when one input
 * field is at fault, that field (and every field's messages under `errors`). A server fault
 * answers a generic detail with the correlation id: no SQL, no values, no stack.
 */
import { TRPCError } from "@trpc/server";
import { ZodError } from "zod";
import { ServiceError } from "~/server/core/errors";
import { boundFieldErrors, boundText, describeZodError, errorBounds, zodFieldErrors } from "../error-bounds";
import { internalErrorMessage } from "../internal-errors";
import { inputProblem } from "../input-limits";

export type Problem = {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance?: string;
  field?: string | null;
  errors?: Record<string, string[]>;
  correlationId?: string;
};

const titles: Record<number, [slug: string, title: string]> = {
  400: ["bad-request", "Bad request"],
  401: ["unauthorized", "Not authenticated"],
  403: ["forbidden", "Forbidden"],
  404: ["not-found", "Not found"],
  405: ["method-not-allowed", "Method not allowed"],
  406: ["not-acceptable", "Not acceptable"],
  409: ["conflict", "Conflict"],
  413: ["too-large", "Request body too large"],
  415: ["unsupported-media-type", "Unsupported media type"],
  422: ["invalid-input", "Invalid input"],
  429: ["rate-limited", "Too many requests"],
  500: ["internal", "Internal server error"],
};

export function problem(status: number, detail: string, extra: Partial<Problem> = {}): Problem {
  const [slug, title] = titles[status] ?? ["error", "Error"];
  return { type: `/api/v1/problems/${slug}`, title, status, detail: boundText(detail, errorBounds.maxMessage), ...extra };
}

export function problemResponse(p: Problem, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(p), {
    status: p.status,
    headers: { "content-type": "application/problem+json", "cache-control": "no-store", ...headers },
  });
}

/** A ZodError of an input part (path, query, body) as a problem naming the first field. */
export function zodProblem(error: ZodError, where: string): Problem {
  const errors = zodFieldErrors(error) ?? {};
  const field = error.issues[0]?.path.map(String).join(".") || null;
  return problem(422, `Invalid ${where}: ${describeZodError(error)}`, { field, errors });
}

/** The raw body/query must keep the same input limits as tRPC (size, nesting, keys, control characters). */
export function limitsProblem(raw: unknown): Problem | null {
  const found = inputProblem(raw);
  return found
    ? problem(422, `Invalid input: ${found.path}: ${found.message}`, { field: found.path, errors: { [found.path]: [found.message] } })
    : null;
}

const trpcStatus: Partial<Record<TRPCError["code"], number>> = {
  BAD_REQUEST: 422,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  TOO_MANY_REQUESTS: 429,
  PRECONDITION_FAILED: 412,
  PAYLOAD_TOO_LARGE: 413,
};

/** What a procedure threw, as a problem; null for a server fault (the caller logs it and answers 500). */
export function problemFromError(error: unknown): Problem | null {
  if (error instanceof ServiceError) return serviceProblem(error);
  if (!(error instanceof TRPCError)) return null;
  const status = trpcStatus[error.code];
  if (!status) return null;
  const cause = error.cause;
  if (cause instanceof ZodError) return zodProblem(cause, "input");
  if (cause instanceof ServiceError) return serviceProblem(cause);
  return problem(status, error.message);
}

function serviceProblem(error: ServiceError): Problem {
  const status = { not_found: 404, forbidden: 403, conflict: 409, invalid: 422 }[error.kind];
  const errors = boundFieldErrors(error.fieldErrors) ?? (error.field ? { [error.field]: [error.message] } : undefined);
  return problem(status, error.message, { field: error.field ?? null, ...(errors ? { errors } : {}) });
}

export const faultProblem = (correlationId: string) => problem(500, internalErrorMessage(correlationId), { correlationId });
