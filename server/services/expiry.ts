/**
 * TTL: reminders before an environment expires, and its destruction once it has. Run by the
 * worker's `sweep_expiry` job every minute with the real clock; tests pass their own `now`.
 *
 * Reminders go out 24 h and 1 h before expiry (in-app to the owner, and as webhook events).
 * Each is recorded per environment, kind and expiry in one transaction with its notification,
 * so a sweep that runs twice, or two workers at once, send it once; an extension moves the
 * expiry, so the reminders for the new one are due again. A reminder whose moment passed while
 * no worker ran is still sent if the environment has not expired, and the 24 h one is skipped
 * when the 1 h one is already due.
 *
 * Expiry: every ready (or failed, with resources kept) environment past its expiry gets a
 * destroy run, with the system as the actor in the audit log and the owner notified.
 */
import { formatUtcDateTime } from "~/server/core/datetime";
import { and, eq, inArray, lte, sql } from "drizzle-orm";
import type { Database } from "~/db/client";
import { environmentReminders, environments } from "~/db/schema";
import { queueDestroy } from "~/server/runs/queue-destroy";
import { formatHours } from "~/server/policy";
import { plural } from "~/server/policy/money";
import { recordAudit, systemActor } from "~/server/core/audit";
import { publishEvent } from "~/server/core/events";

const HOUR_MS = 3_600_000;
export const reminderKinds = [
  { kind: "24h", beforeMs: 24 * HOUR_MS },
  { kind: "1h", beforeMs: HOUR_MS },
] as const;

export type ExpirySweepReport = { reminders: { environmentId: string; kind: "24h" | "1h" }[]; expired: { environmentId: string; runId: string }[] };

/** "50 minutes", "1 minute", "23 hours": how long until an expiry, for the reminder's title. */
export function untilText(expiresAt: Date, now: Date): string {
  const minutes = Math.max(1, Math.round((expiresAt.getTime() - now.getTime()) / 60_000));
  return minutes < 90 ? plural(minutes, "minute") : formatHours(Math.round(minutes / 60));
}

export async function sweepExpiry(db: Database, now: Date = new Date()): Promise<ExpirySweepReport> {
  const report: ExpirySweepReport = { reminders: [], expired: [] };
  const soon = await db
    .select()
    .from(environments)
    .where(
      and(
        eq(environments.status, "ready"),
        lte(environments.expiresAt, new Date(now.getTime() + 24 * HOUR_MS)),
        sql`${environments.expiresAt} > ${now.toISOString()}::timestamptz`,
      ),
    );
  for (const environment of soon) {
    const left = environment.expiresAt.getTime() - now.getTime();
    // The most urgent reminder due; a late sweep does not send "24 hours" an hour before the end.
    const due = left <= HOUR_MS ? reminderKinds[1] : reminderKinds[0];
    const sent = await db.transaction(async (tx) => {
      const [row] = await tx
        .insert(environmentReminders)
        .values({ environmentId: environment.id, kind: due.kind, expiresAt: environment.expiresAt, sentAt: now })
        .onConflictDoNothing()
        .returning();
      if (!row) return false;
      const when = untilText(environment.expiresAt, now);
      await publishEvent(tx, {
        type: "environment.expiring",
        teamId: environment.teamId,
        subject: `environments/${environment.id}`,
        data: {
          environmentId: environment.id,
          requestId: environment.requestId,
          name: environment.name,
          expiresAt: environment.expiresAt.toISOString(),
          reminder: due.kind,
        },
        notify: {
          userIds: [environment.ownerId],
          kind: "environment_expiring",
          title: `${environment.name} expires in ${when}`,
          body: `It will be destroyed at ${formatUtcDateTime(environment.expiresAt)} unless you extend it.`,
          link: `/environments/${environment.id}`,
          requestId: environment.requestId,
        },
        time: now,
      });
      return true;
    });
    if (sent) report.reminders.push({ environmentId: environment.id, kind: due.kind });
  }

  const expired = await db
    .select({ id: environments.id })
    .from(environments)
    .where(and(inArray(environments.status, ["ready", "failed"]), lte(environments.expiresAt, now)));
  for (const { id } of expired) {
    const runId = await db.transaction(async (tx) => {
      const [environment] = await tx.select().from(environments).where(eq(environments.id, id)).for("update");
      if (!environment || !["ready", "failed"].includes(environment.status) || environment.expiresAt > now) return null;
      // A failed environment whose resources were all cleaned up has nothing to destroy: it just ends.
      const runId = await queueDestroy(tx, id, "expired: its TTL ran out", { destroyReason: "expired", actor: systemActor });
      if (!runId) return null;
      await recordAudit(tx, systemActor, {
        action: "environment.expired",
        subjectType: "environment",
        subjectId: id,
        teamId: environment.teamId,
        correlationId: environment.requestId,
        after: { expiresAt: environment.expiresAt.toISOString(), runId },
      });
      await publishEvent(tx, {
        type: "environment.expired",
        teamId: environment.teamId,
        subject: `environments/${id}`,
        data: { environmentId: id, requestId: environment.requestId, name: environment.name, expiresAt: environment.expiresAt.toISOString(), runId },
        notify: {
          userIds: [environment.ownerId],
          kind: "environment_expired",
          title: `${environment.name} expired and is being destroyed`,
          body: `Its TTL ran out at ${formatUtcDateTime(environment.expiresAt)}.`,
          link: `/environments/${id}`,
          requestId: environment.requestId,
        },
        time: now,
      });
      return runId;
    });
    if (runId) report.expired.push({ environmentId: id, runId });
  }
  return report;
}
