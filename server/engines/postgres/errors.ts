/**
 * From what `pg` and Node throw to an EngineError that says whether trying again can help, with a
 * message that never carries a secret: every message passes through `redact`, which removes the
 * secrets the caller names, any connection URL's credentials and any password clause or SCRAM
 * verifier, whatever the server or driver put in it.
 */
import { EngineError } from "../engine";

/** SQLSTATEs worth retrying: the server is busy, restarting, or lost a race. */
const transientCodes = new Set([
  "53300", // too_many_connections
  "53000", // insufficient_resources
  "53100", // disk_full
  "53200", // out_of_memory
  "55P03", // lock_not_available (lock_timeout)
  "55006", // object_in_use (a database still has sessions, a template in use)
  "57P01", // admin_shutdown
  "57P02", // crash_shutdown
  "57P03", // cannot_connect_now (starting up, in recovery)
  "57P05", // idle_session_timeout
  "57014", // query_canceled (statement_timeout)
  "40001", // serialization_failure
  "40P01", // deadlock_detected
  "58000", // system_error
  "58030", // io_error
  "25006", // read_only_sql_transaction (a standby during failover)
]);
/** Whole classes: 08 connection exception. */
const transientClasses = ["08"];

/** Node/socket errors: the server is not reachable right now. */
const transientErrnos = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "EPIPE",
  "EAI_AGAIN",
  "ENOTFOUND",
  "ECONNABORTED",
]);
const transientMessages = [
  /connection terminated/i,
  /timeout expired/i,
  /socket hang up/i,
  /connection.*(closed|ended)/i,
  /server closed the connection/i,
];

/** Suggested waits before retrying, when the server says it is full or restarting. */
const retryAfter: Record<string, number> = { "53300": 2_000, "57P03": 2_000, "57P01": 2_000 };

const descriptions: Record<string, string> = {
  ECONNREFUSED: "connection refused",
  ECONNRESET: "connection reset",
  ETIMEDOUT: "connection timed out",
  ENOTFOUND: "host not found",
  EAI_AGAIN: "host name lookup failed",
  "53300": "too many connections",
  "55P03": "lock timeout",
  "55006": "object in use by other sessions",
  "57P01": "server shutting down",
  "57P03": "server not accepting connections yet",
  "57014": "statement timed out",
  "40001": "serialization failure",
  "40P01": "deadlock detected",
};

export type PgLikeError = Error & { code?: string; severity?: string; detail?: string };

/** Removes secrets from a message (the caller's, connection URL credentials, password clauses, verifiers). */
export function redact(message: string, secrets: readonly (string | null | undefined)[] = []): string {
  let out = message;
  for (const secret of secrets) {
    if (secret && secret.length >= 4) out = out.split(secret).join("***");
    if (secret && secret.length >= 4 && encodeURIComponent(secret) !== secret) out = out.split(encodeURIComponent(secret)).join("***");
  }
  return out
    .replace(/(postgres(?:ql)?:\/\/)[^\s'"]*/gi, "$1***")
    .replace(/SCRAM-SHA-256\$[^\s'"]*/g, "SCRAM-SHA-256$***")
    .replace(/(password\s+E?)'(?:[^']|'')*'/gi, "$1'***'")
    .replace(/(password\s*[=:]\s*)[^\s&;,)]+/gi, "$1***");
}

export function errorCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" ? code : undefined;
}

export function isTransientCause(error: unknown): boolean {
  const code = errorCode(error);
  if (code && (transientCodes.has(code) || transientErrnos.has(code) || transientClasses.some((c) => code.startsWith(c) && code.length === 5)))
    return true;
  if (code) return false;
  const message = error instanceof Error ? error.message : String(error);
  return transientMessages.some((p) => p.test(message));
}

/**
 * `action` says what was being done ("create role \"x_3f9c2a\""); the result reads
 * `could not create role "x_3f9c2a": permission denied to create role (SQLSTATE 42501)`.
 */
export function toEngineError(
  error: unknown,
  action: string,
  options: { address?: string; secrets?: readonly (string | null | undefined)[] } = {},
): EngineError {
  if (error instanceof EngineError) {
    const message = redact(error.message, options.secrets);
    return message === error.message && (error.options.address || !options.address)
      ? error
      : new EngineError(error.kind, message, { ...error.options, address: error.options.address ?? options.address });
  }
  const code = errorCode(error);
  const raw = error instanceof Error ? error.message : String(error);
  const described = raw || (code ? descriptions[code] : undefined) || "unknown error";
  const suffix = code ? (/^[0-9A-Z]{5}$/.test(code) ? ` (SQLSTATE ${code})` : described.includes(code) ? "" : ` (${code})`) : "";
  const message = redact(`could not ${action}: ${described}${suffix}`, options.secrets);
  const kind = isTransientCause(error) ? "transient" : "permanent";
  return new EngineError(kind, message, { address: options.address, code, ...(code && retryAfter[code] ? { retryAfterMs: retryAfter[code] } : {}) });
}
