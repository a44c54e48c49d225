import { randomUUID } from "node:crypto";

/**
 * Request ids a client or proxy may send (`x-request-id`): letters, digits and `._:-`, up to 128
 * characters (UUIDs, ULIDs, AWS/GCP trace ids). Anything else, e.g. with spaces, quotes or line
 * breaks that could forge log lines, is replaced by a fresh id.
 */
const saneRequestId = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;

/** The correlation id of an HTTP request: its sane `x-request-id`, else a new UUID. */
export function correlationIdFrom(headers: Pick<Headers, "get">): string {
  const given = headers.get("x-request-id")?.trim();
  return given && saneRequestId.test(given) ? given : randomUUID();
}
