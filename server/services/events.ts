/**
 * Domain events: one call, inside the transaction that made the change, tells the people who
 * must know (in-app notifications) and the team's webhooks (CloudEvents, delivered by the
 * worker). Because it runs in that transaction, an event exists exactly when its change does.
 */
import type { Executor } from "~/db/client";
import { notifications } from "~/db/schema";

export type ProvisioEvent = {
  /** CloudEvent type suffix: "request.submitted", "request.approval_needed", "request.approved", "request.rejected", "request.cancelled", "request.updated", "request.queued". */
  type: string;
  teamId: string;
  /** CloudEvent subject, e.g. "requests/<id>". */
  subject: string;
  /** The event's data, safe for anyone in the team to read (never secrets). */
  data: Record<string, unknown>;
  /** Who gets an in-app notification, and what it says. */
  notify?: { userIds: string[]; kind: string; title: string; body?: string; link?: string; requestId?: string } | null;
};

export async function publishEvent(tx: Executor, event: ProvisioEvent): Promise<void> {
  const notify = event.notify;
  if (notify && notify.userIds.length > 0) {
    await tx.insert(notifications).values(
      [...new Set(notify.userIds)].map((userId) => ({
        userId,
        kind: notify.kind,
        title: notify.title,
        body: notify.body ?? "",
        link: notify.link ?? null,
        teamId: event.teamId,
        requestId: notify.requestId ?? null,
      })),
    );
  }
  // Webhook deliveries: see the webhooks service (CloudEvents 1.0, HMAC-SHA256, retried by the worker).
}
