/**
 * What the simulated cloud API answers when a call fails. Like a real cloud's error codes,
 * each says whether trying again can help (`transient`) or not (`permanent`), and a throttled
 * call says when to come back.
 */
export type SimErrorCode =
  /** Too many calls for the account's token bucket: come back after `retryAfterMs`. */
  | "RateLimited"
  /** The region is down (simulated outage). */
  | "ServiceUnavailable"
  /** A random failure injected by `faults.errorRate`. */
  | "InternalError"
  /** The call took effect but its answer was lost (`faults.lostResponseRate`). */
  | "RequestTimeout"
  /** No capacity for that instance type or for spot (`faults.insufficientCapacity`). */
  | "InsufficientInstanceCapacity"
  /** Something still uses the resource being deleted (a subnet in a network…). */
  | "DependencyViolation"
  | "InvalidParameter"
  | "UnknownResourceType"
  | "InvalidReference"
  | "ImmutableProperty"
  | "IdempotencyConflict"
  | "QuotaExceeded"
  | "AlreadyExists"
  | "NotFound";

const transientCodes: ReadonlySet<SimErrorCode> = new Set([
  "RateLimited",
  "ServiceUnavailable",
  "InternalError",
  "RequestTimeout",
  "InsufficientInstanceCapacity",
  "DependencyViolation",
]);

export class SimCloudError extends Error {
  readonly kind: "transient" | "permanent";

  constructor(
    readonly code: SimErrorCode,
    message: string,
    readonly details: {
      retryAfterMs?: number;
      /** The property at fault, as `properties.<name>` or `tags.<key>`. */
      field?: string;
      /** For IdempotencyConflict: the resource that holds the key. */
      existingId?: string;
      /** For QuotaExceeded: which quota and its figures. */
      quota?: { name: "vcpus" | "instances" | "gpus"; region: string; limit: number; inUse: number; requested: number };
    } = {},
  ) {
    super(message);
    this.name = "SimCloudError";
    this.kind = transientCodes.has(code) ? "transient" : "permanent";
  }

  get retryAfterMs(): number | undefined {
    return this.details.retryAfterMs;
  }
}

export const isSimCloudError = (error: unknown, code?: SimErrorCode): error is SimCloudError =>
  error instanceof SimCloudError && (code === undefined || error.code === code);
