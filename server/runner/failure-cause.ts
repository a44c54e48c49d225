/**
 * The one failure-cause classifier (issue 16, SLI M5): from an engine error's code (the sim's
 * API codes, PostgreSQL SQLSTATEs and Node errnos, terraform's own codes) and, when there is no
 * code that says it, its message (terraform's diagnostics carry the provider's words). Order
 * matters: the most specific verdict wins, "unknown" only when nothing matched.
 */
import type { FailureCause } from "~/db/vocabulary";
import { EngineError } from "~/server/engines/engine";

const byCode: Record<string, FailureCause> = {
  // sim
  RateLimited: "rate_limit",
  QuotaExceeded: "quota",
  InsufficientInstanceCapacity: "capacity",
  ServiceUnavailable: "outage",
  InternalError: "outage",
  Unavailable: "outage",
  RequestTimeout: "timeout",
  InvalidParameter: "template",
  UnknownResourceType: "template",
  InvalidReference: "template",
  ImmutableProperty: "template",
  NotConfigured: "template",
  // terraform
  state_locked: "timeout",
  // Node errnos: the target is unreachable
  ECONNREFUSED: "outage",
  ECONNRESET: "outage",
  EHOSTUNREACH: "outage",
  ENETUNREACH: "outage",
  ENOTFOUND: "outage",
  EAI_AGAIN: "outage",
  ETIMEDOUT: "timeout",
  // PostgreSQL
  "53300": "capacity", // too_many_connections
  "53000": "capacity", // insufficient_resources
  "53100": "capacity", // disk_full
  "53200": "capacity", // out_of_memory
  "57014": "timeout", // query_canceled (statement_timeout)
  "55P03": "timeout", // lock_not_available
  "42501": "auth", // insufficient_privilege
  "57P01": "outage", // admin_shutdown
  "57P02": "outage",
  "57P03": "outage",
};

/** SQLSTATE classes: 28 invalid authorization, 08 connection, 42 syntax/definition, 22 data. */
const byClass: [RegExp, FailureCause][] = [
  [/^28[0-9A-Z]{3}$/, "auth"],
  [/^08[0-9A-Z]{3}$/, "outage"],
  [/^(42|22)[0-9A-Z]{3}$/, "template"],
];

/** For messages without a telling code (terraform diagnostics, provider errors). */
const byMessage: [RegExp, FailureCause][] = [
  [/rate.?limit|throttl|too many requests|\b429\b|requestlimitexceeded/i, "rate_limit"],
  [/quota|limit ?exceeded|servicelimit/i, "quota"],
  [/insufficient.{0,20}capacity|no capacity|out of capacity/i, "capacity"],
  [
    /unauthori[sz]ed|forbidden|access ?denied|permission denied|invalid credentials|credentials|expired token|\b40[13]\b|authentication failed/i,
    "auth",
  ],
  [/timed? ?out|deadline exceeded|timeout/i, "timeout"],
  [/unavailable|unreachable|connection refused|outage|\b50[234]\b|internal server error/i, "outage"],
  [/invalid value|unsupported argument|invalid reference|missing required|variable|validation|invalid parameter|not a valid/i, "template"],
];

export function classifyFailure(error: unknown): FailureCause {
  const code =
    error instanceof EngineError
      ? error.options.code
      : typeof (error as { code?: unknown })?.code === "string"
        ? (error as { code: string }).code
        : undefined;
  if (code) {
    const direct = byCode[code];
    if (direct) return direct;
    for (const [pattern, cause] of byClass) if (pattern.test(code)) return cause;
  }
  const message = error instanceof Error ? error.message : String(error ?? "");
  for (const [pattern, cause] of byMessage) if (pattern.test(message)) return cause;
  return "unknown";
}

/** A rate-limit answer (counted per run next to its retries). */
export const isRateLimit = (error: unknown): boolean => classifyFailure(error) === "rate_limit";
