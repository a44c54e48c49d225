/**
 * Errors made safe to log: what went wrong and where (error type, the SQL statement with its
 * placeholders, PostgreSQL's code, table, column and constraint, the stack) but never the bound
 * values: drizzle's "Failed query" message ends with "params: …", which holds what a caller sent;
 * PostgreSQL's `detail` repeats row values and some messages quote the offending input at their
 * end. The logger serializes every `err` through this (server/logger.ts), so no code path can
 * forget it.
 */

/** An error safe to log: what went wrong and where, with input values removed. */
export class RedactedError extends Error {
  readonly redacted = true;
  constructor(
    message: string,
    stack: string | undefined,
    readonly originalType: string,
    readonly pg: Record<string, string> | null,
  ) {
    super(message);
    this.name = "RedactedError";
    this.stack = `${originalType}: ${message}${stack ? `\n${stack}` : ""}`;
  }
}

const maxMessage = 2_000;
const pgFields = ["code", "severity", "table", "column", "constraint", "dataType", "routine", "schema"] as const;

/** Frames only: the first lines of a stack repeat the message, and with it the values. */
function framesOf(error: Error): string | undefined {
  const stack = error.stack;
  if (!stack) return undefined;
  const at = stack.indexOf("\n    at ");
  return at === -1 ? undefined : stack.slice(at + 1);
}

/** PostgreSQL puts the offending input at a message's end: `invalid input syntax for type uuid: "…"`. */
function redactPgMessage(message: string): string {
  return message.replace(/: ".*"$/s, ': "[redacted]"');
}

/** PostgreSQL's own fields of a pg DatabaseError (recognised by its `severity`), never `detail` or `where`. */
function pgDetails(error: Error): Record<string, string> | null {
  const source = error as unknown as Record<string, unknown>;
  if (typeof source.code !== "string" || typeof source.severity !== "string") return null;
  const fields: Record<string, string> = { message: redactPgMessage(error.message).slice(0, 500) };
  for (const key of pgFields) if (typeof source[key] === "string") fields[key] = source[key];
  return fields;
}

function messageOf(error: Error): string {
  const query = (error as { query?: unknown }).query;
  // DrizzleQueryError: the statement is kept (placeholders only), the params line is not.
  if (typeof query === "string" && "params" in error) return `Failed query: ${query}`;
  return error.message;
}

const typeOf = (error: Error) => error.constructor?.name || error.name;

/**
 * The loggable twin of any thrown value (and its causes, up to three deep): messages without
 * values, the stack's frames, PostgreSQL's fields.
 */
export function redactError(error: unknown, depth = 0): RedactedError {
  if (error instanceof RedactedError) return error;
  if (!(error instanceof Error)) return new RedactedError(`non-error thrown (${typeof error})`, undefined, typeof error, null);
  const pg = pgDetails(error);
  let message = pg ? redactPgMessage(error.message) : messageOf(error);
  let pgOfCause: Record<string, string> | null = null;
  if (error.cause !== undefined && depth < 3) {
    const cause = redactError(error.cause, depth + 1);
    message += ` ← caused by ${cause.originalType}: ${cause.message}`;
    pgOfCause = cause.pg;
  }
  return new RedactedError(message.slice(0, maxMessage), framesOf(error), typeOf(error), pg ?? pgOfCause);
}
