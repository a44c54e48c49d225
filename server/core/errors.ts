/**
 * Business rules fail with a ServiceError; the API edge maps `kind` to a tRPC code, so
 * services never import tRPC and stay usable from the worker and scripts.
 */
export type ServiceErrorKind = "not_found" | "forbidden" | "conflict" | "invalid";

export class ServiceError extends Error {
  constructor(
    readonly kind: ServiceErrorKind,
    message: string,
    /** The input field the error is about, when there is one (shown next to it in forms). */
    readonly field?: string,
    /** Several fields at once (e.g. every wrong template parameter), field → messages. */
    readonly fieldErrors?: Record<string, string[]>,
  ) {
    super(message);
    this.name = "ServiceError";
  }
}

export const notFound = (what: string) => new ServiceError("not_found", `${what} was not found.`);
