/**
 * The bookkeeping every day-2 request of an environment shares (updates.ts, extensions.ts,
 * reconcile.ts): a retried submit finds its first request; a new one is inserted pending approval
 * and audited as submitted; its approvers are told; once approved it is applied against the locked,
 * still-ready environment. One copy, so the kinds cannot drift apart in what they record.
 */
import { and, eq, sql } from "drizzle-orm";
import type { Executor } from "~/db/client";
import { environments, requests, type Environment, type Request } from "~/db/schema";
import type { PolicyDecision } from "~/server/policy";
import type { Actor } from "~/server/core/audit";
import { ServiceError, notFound } from "~/server/core/errors";
import { publishEvent } from "~/server/core/events";
import { assertTransition } from "~/server/core/lifecycle";
import { approversToNotify, auditSubmitted, requestLabel } from "./requests";
import type { Viewer } from "./users";

/** The request this requester already submitted with `clientRequestId` (a retried or double submit), if any. */
export async function submittedBefore(tx: Executor, requesterId: string, clientRequestId: string): Promise<Request | undefined> {
  const [existing] = await tx
    .select()
    .from(requests)
    .where(and(eq(requests.requesterId, requesterId), eq(requests.clientRequestId, clientRequestId)))
    .limit(1);
  return existing;
}

type PendingValues = Omit<typeof requests.$inferInsert, "status" | "submittedAt">;

/**
 * Inserts a day-2 request pending approval and audits `request.submitted` with its number, kind
 * and environment, then `details` (what this kind records).
 */
export async function insertSubmitted(tx: Executor, actor: Actor, values: PendingValues, now: Date, details: Record<string, unknown>) {
  const [row] = await tx
    .insert(requests)
    .values({ ...values, status: "pending_approval", submittedAt: now })
    .returning();
  if (!row) throw new Error("request insert returned nothing");
  const label = await auditSubmitted(tx, actor, row, { kind: row.kind, environmentId: row.environmentId, ...details });
  return { row, label };
}

/**
 * `request.approval_needed` for a pending day-2 request: its team's approvers (admins when a
 * stage needs one), never the requester, get "Your approval is needed: <number> <what>".
 */
export async function askApprovers(
  tx: Executor,
  row: Request,
  decision: PolicyDecision,
  requester: Viewer,
  message: { what: string; body: string; data?: Record<string, unknown> },
) {
  const label = requestLabel(row);
  await publishEvent(tx, {
    type: "request.approval_needed",
    teamId: row.teamId,
    subject: `requests/${row.id}`,
    data: {
      requestId: row.id,
      number: label,
      kind: row.kind,
      environmentId: row.environmentId,
      environmentName: row.environmentName,
      tier: row.tier,
      ...message.data,
    },
    notify: {
      userIds: await approversToNotify(tx, row.teamId, decision, requester.id),
      kind: "approval_needed",
      title: `Your approval is needed: ${label} ${message.what}`,
      body: message.body,
      link: `/requests/${row.id}`,
      requestId: row.id,
    },
  });
}

/**
 * The start of applying an approved extension or reconcile, in the caller's transaction: its
 * environment locked and still ready, and the request (locked; the caller's row may be stale)
 * allowed to become applied. Anything else refuses with a conflict and nothing changes.
 */
export async function lockForApply(tx: Executor, request: Request, doing: string): Promise<Environment> {
  if (!request.environmentId) throw new Error(`not a request of an environment: ${request.id}`);
  const [environment] = await tx.select().from(environments).where(eq(environments.id, request.environmentId)).for("update");
  if (!environment) throw notFound("Environment");
  if (environment.status !== "ready")
    throw new ServiceError("conflict", `${environment.name} is ${environment.status}, so it can no longer be ${doing}.`);
  const [current] = await tx.select({ status: requests.status }).from(requests).where(eq(requests.id, request.id)).for("update");
  if (!current) throw notFound("Request");
  assertTransition("request", current.status, "applied");
  return environment;
}

/** Marks the request applied (decided now unless it already was). */
export async function markApplied(tx: Executor, request: Request, now: Date) {
  await tx
    .update(requests)
    .set({ status: "applied", decidedAt: request.decidedAt ?? now, version: sql`${requests.version} + 1`, updatedAt: now })
    .where(eq(requests.id, request.id));
}
