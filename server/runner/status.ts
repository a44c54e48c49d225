/**
 * The environment and request status writes of runs, each checked against the transition table
 * (server/core/lifecycle.ts) and guarded in SQL by the statuses the table allows to lead there,
 * so a transition the table does not list never happens, even against a row changed meanwhile.
 */
import { and, eq, inArray, sql } from "drizzle-orm";
import type { PgUpdateSetSource } from "drizzle-orm/pg-core";
import type { Executor } from "~/db/client";
import { environments, requests } from "~/db/schema";
import type { EnvironmentStatus, RequestStatus } from "~/db/vocabulary";
import { assertTransition, IllegalTransitionError, statusesLeadingTo } from "~/server/core/lifecycle";

/** Moves the environment (last seen in `from`) to `to`; throws IllegalTransitionError when the table or the row refuses. */
export async function moveEnvironment(
  tx: Executor,
  environment: { id: string; status: EnvironmentStatus },
  to: EnvironmentStatus,
  set: Omit<PgUpdateSetSource<typeof environments>, "status"> = {},
): Promise<void> {
  assertTransition("environment", environment.status, to);
  const moved = await tx
    .update(environments)
    .set({ ...set, status: to, version: sql`${environments.version} + 1`, updatedAt: new Date() })
    .where(and(eq(environments.id, environment.id), inArray(environments.status, statusesLeadingTo("environment", to))))
    .returning({ id: environments.id });
  if (moved.length === 0) {
    // Changed since the run loaded it: name the status it has now.
    const [now] = await tx.select({ status: environments.status }).from(environments).where(eq(environments.id, environment.id));
    throw new IllegalTransitionError("environment", now?.status ?? environment.status, to);
  }
}

/** Moves the request to `to` if its status allows it; false when it does not (the request is left as it is). */
export async function moveRequest(tx: Executor, requestId: string, to: RequestStatus): Promise<boolean> {
  const moved = await tx
    .update(requests)
    .set({ status: to, version: sql`${requests.version} + 1`, updatedAt: new Date() })
    .where(and(eq(requests.id, requestId), inArray(requests.status, statusesLeadingTo("request", to))))
    .returning({ id: requests.id });
  return moved.length > 0;
}
