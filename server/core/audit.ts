/**
 * The audit trail's write side: who did it (an Actor, or the one system actor) and one append-only
 * event per change, written inside the transaction that makes the change. Reading the trail is a
 * service (server/services/audit.ts).
 */
import type { Executor } from "~/db/client";
import { auditEvents } from "~/db/schema";

/** `tokenId`: the API token the person or robot acted through (/api/v1), recorded with every event. */
export type Actor = { id: string; label: string; tokenId?: string } | { id: null; label: "system" };

export const systemActor: Actor = { id: null, label: "system" };

export type AuditEntry = {
  action: string;
  subjectType: string;
  subjectId: string;
  teamId?: string | null;
  before?: unknown;
  after?: unknown;
  correlationId?: string | null;
};

/** Appends one audit event; call it inside the transaction that makes the change. */
export async function recordAudit(tx: Executor, actor: Actor, entry: AuditEntry): Promise<void> {
  await auditInsert(tx, actor, entry);
}

/**
 * recordAudit's insert, not yet sent: for a caller that sends it with other writes in one statement
 * (a CTE). Several entries of one statement go in one insert, so they keep their order (the log's
 * ids): two inserts in one statement run in no set order.
 */
export function auditInsert(tx: Executor, actor: Actor, entry: AuditEntry | readonly AuditEntry[]) {
  return tx.insert(auditEvents).values(
    (Array.isArray(entry) ? entry : [entry]).map((e: AuditEntry) => ({
      actorId: actor.id,
      actorLabel: actor.label,
      actorTokenId: "tokenId" in actor ? (actor.tokenId ?? null) : null,
      action: e.action,
      subjectType: e.subjectType,
      subjectId: e.subjectId,
      teamId: e.teamId ?? null,
      before: e.before ?? null,
      after: e.after ?? null,
      correlationId: e.correlationId ?? null,
    })),
  );
}
