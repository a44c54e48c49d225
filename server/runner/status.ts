/**
 * The environment and request status writes of runs, each checked against the transition table
 * (server/core/lifecycle.ts) and guarded in SQL by the statuses the table allows to lead there,
 * so a transition the table does not list never happens, even against a row changed meanwhile.
 */
import { and, eq, inArray, sql, type SQLWrapper } from "drizzle-orm";
import type { PgUpdateSetSource } from "drizzle-orm/pg-core";
import type { Executor } from "~/db/client";
import { environments, requests } from "~/db/schema";
import type { EnvironmentStatus, RequestStatus } from "~/db/vocabulary";
import { assertTransition, IllegalTransitionError, statusesLeadingTo } from "~/server/core/lifecycle";

/** The environment's move to `to` as an UPDATE, not yet sent (checked against the table now, guarded in SQL); RETURNING its id. */
export function environmentMove(
  tx: Executor,
  environment: { id: string; status: EnvironmentStatus },
  to: EnvironmentStatus,
  set: Omit<PgUpdateSetSource<typeof environments>, "status">,
) {
  assertTransition("environment", environment.status, to);
  return tx
    .update(environments)
    .set({ ...set, status: to, version: sql`${environments.version} + 1`, updatedAt: new Date() })
    .where(and(eq(environments.id, environment.id), inArray(environments.status, statusesLeadingTo("environment", to))))
    .returning({ id: environments.id });
}

/** Moves the environment (last seen in `from`) to `to`; throws IllegalTransitionError when the table or the row refuses. */
export async function moveEnvironment(
  tx: Executor,
  environment: { id: string; status: EnvironmentStatus },
  to: EnvironmentStatus,
  set: Omit<PgUpdateSetSource<typeof environments>, "status"> = {},
): Promise<void> {
  const moved = await environmentMove(tx, environment, to, set);
  if (moved.length === 0) throw await refusedMove(tx, environment, to);
}

/** The error of an environment move the row refused: it changed since the run loaded it, and this names the status it has now. */
export async function refusedMove(db: Executor, environment: { id: string; status: EnvironmentStatus }, to: EnvironmentStatus) {
  const [now] = await db.select({ status: environments.status }).from(environments).where(eq(environments.id, environment.id));
  return new IllegalTransitionError("environment", now?.status ?? environment.status, to);
}

/**
 * moveEnvironment with other writes (`also`: unsent inserts and updates such as requestMove,
 * auditInsert, notificationInsert, a run's log lines) in the same statement, one round trip. They
 * cannot see each other's changes (one snapshot), so none may depend on another. When the
 * environment refuses, IllegalTransitionError is thrown: the caller's transaction rolls back all.
 */
export async function moveEnvironmentWith(
  tx: Executor,
  environment: { id: string; status: EnvironmentStatus },
  to: EnvironmentStatus,
  set: Omit<PgUpdateSetSource<typeof environments>, "status">,
  // Unsent query builders (embedded by their SQL: drizzle would put a builder in parentheses).
  also: readonly (SQLWrapper | null | undefined)[],
): Promise<void> {
  const parts = also.filter((part): part is SQLWrapper => !!part).map((part, i) => sql`${sql.raw(`w${i}`)} as (${part.getSQL()})`);
  const result = await tx.execute(
    sql`with moved as (${environmentMove(tx, environment, to, set).getSQL()})${parts.length ? sql`, ${sql.join(parts, sql`, `)}` : sql``}
      select (select count(*)::int from moved) as moved, (select status from ${environments} where id = ${environment.id}) as status`,
  );
  const row = result.rows[0] as { moved: number; status: EnvironmentStatus | null } | undefined;
  if (!row?.moved) throw new IllegalTransitionError("environment", row?.status ?? environment.status, to);
}

/** The request's move to `to` as an UPDATE, not yet sent; a request whose status does not lead there is left as it is. */
export function requestMove(tx: Executor, requestId: string, to: RequestStatus) {
  return tx
    .update(requests)
    .set({ status: to, version: sql`${requests.version} + 1`, updatedAt: new Date() })
    .where(and(eq(requests.id, requestId), inArray(requests.status, statusesLeadingTo("request", to))))
    .returning({ id: requests.id });
}

/** Moves the request to `to` if its status allows it; false when it does not (the request is left as it is). */
export async function moveRequest(tx: Executor, requestId: string, to: RequestStatus): Promise<boolean> {
  return (await requestMove(tx, requestId, to)).length > 0;
}
