/**
 * A new push to a pull request with a live environment (issue 15 × issue 14): the submit re-uses
 * the live request (pr-environments.ts) and, when the push asks for other parameter values than
 * the environment runs with, this queues a day-2 update of it through the update policy instead
 * of a duplicate environment. A refused update (a change already open, the environment busy)
 * does not fail the submit: the answer says why nothing was queued.
 */
import { createHash } from "node:crypto";
import { eq } from "drizzle-orm";
import type { Database } from "~/db/client";
import { environments, requests } from "~/db/schema";
import { ServiceError } from "~/server/core/errors";
import { submitRequest } from "./requests";
import { requestUpdate } from "./updates";
import type { Viewer } from "./users";

type Submit = Parameters<typeof submitRequest>[2];
export type SourceUpdate = { queued: true; requestId: string; number: string; status: string } | { queued: false; reason: string };

/** The same push retried gets the same update back (requestUpdate is idempotent per client request id). */
function clientRequestIdFor(requestId: string, commit: string): string {
  const h = createHash("sha256").update(`${requestId}:${commit}`).digest("hex");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** Submits a request; a re-used PR environment whose parameters differ gets an update request (`update` in the answer). */
export async function submitWithSourceUpdate(db: Database, viewer: Viewer, input: Submit) {
  const submitted = await submitRequest(db, viewer, input);
  if (!("reused" in submitted) || !submitted.reused || !submitted.environmentId || !input.source) return submitted;
  return { ...submitted, update: await updateFromSource(db, viewer, submitted.environmentId, submitted.id, input) };
}

async function updateFromSource(db: Database, viewer: Viewer, environmentId: string, requestId: string, input: Submit): Promise<SourceUpdate | null> {
  const [row] = await db
    .select({ current: environments.parameters, requested: requests.parameters })
    .from(environments)
    .innerJoin(requests, eq(requests.id, environments.requestId))
    .where(eq(environments.id, environmentId))
    .limit(1);
  if (!row) return null;
  const current: Record<string, unknown> = row.current ?? row.requested;
  const changed = Object.fromEntries(
    Object.entries(input.parameters as Record<string, unknown>).filter(([key, value]) => value !== undefined && current[key] !== value),
  );
  if (Object.keys(changed).length === 0) return null;
  try {
    const update = await requestUpdate(db, viewer, {
      environmentId,
      parameters: changed,
      justification: `${input.source!.repository}#${input.source!.pullRequest} at ${input.source!.commit.slice(0, 12)}: ${input.justification}`,
      clientRequestId: clientRequestIdFor(requestId, input.source!.commit),
    });
    return { queued: true, requestId: update.requestId, number: update.number, status: update.status };
  } catch (error) {
    if (error instanceof ServiceError) return { queued: false, reason: error.message };
    throw error;
  }
}
