import { and, desc, eq, ilike, lt } from "drizzle-orm";
import { z } from "zod";
import type { Database, Executor } from "~/db/client";
import { auditEvents } from "~/db/schema";

export type Actor = { id: string; label: string } | { id: null; label: "system" };

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
  await tx.insert(auditEvents).values({
    actorId: actor.id,
    actorLabel: actor.label,
    action: entry.action,
    subjectType: entry.subjectType,
    subjectId: entry.subjectId,
    teamId: entry.teamId ?? null,
    before: entry.before ?? null,
    after: entry.after ?? null,
    correlationId: entry.correlationId ?? null,
  });
}

export const auditListInput = z.object({
  action: z.string().trim().max(80).optional(),
  teamId: z.uuid().optional(),
  /** Id of the last row already shown: the next page holds older events. */
  before: z.number().int().positive().optional(),
  limit: z.number().int().min(1).max(200).default(50),
});

export async function listAuditEvents(db: Database, input: z.infer<typeof auditListInput>) {
  const conditions = [
    input.action ? ilike(auditEvents.action, `%${input.action}%`) : undefined,
    input.teamId ? eq(auditEvents.teamId, input.teamId) : undefined,
    input.before ? lt(auditEvents.id, input.before) : undefined,
  ].filter((c) => c !== undefined);
  const rows = await db
    .select()
    .from(auditEvents)
    .where(conditions.length ? and(...conditions) : undefined)
    .orderBy(desc(auditEvents.id))
    .limit(input.limit + 1);
  const page = rows.slice(0, input.limit);
  return { events: page, nextBefore: rows.length > input.limit ? (page.at(-1)?.id ?? null) : null };
}
