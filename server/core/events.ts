/**
 * Domain events: one call, inside the transaction that made the change, tells the people who
 * must know (in-app notifications) and the team's webhooks (CloudEvents, delivered by the
 * worker). Because it runs in that transaction, an event exists exactly when its change does:
 * the notification rows, the webhook delivery rows and their queued jobs commit or roll back
 * with it, so nothing is lost and nothing is sent for a change that did not happen.
 */
import { randomUUID } from "node:crypto";
import type { SQL, SQLWrapper } from "drizzle-orm";
import type { Executor } from "~/db/client";
import { notifications } from "~/db/schema";
import type { EventType, NotificationKind } from "./event-types";
import { sendTogether } from "~/db/together";
import { webhookDeliveriesTogether } from "./webhook-outbox";

export type { EventType, NotificationKind } from "./event-types";

export type ProvisioEvent = {
  /** One of the events in event-types.ts (what it means, who is told); webhooks receive `dev.provisio.<type>`. */
  type: EventType;
  teamId: string;
  /** CloudEvent subject, e.g. "requests/<id>". */
  subject: string;
  /** The event's data, safe for anyone in the team to read (never secrets). */
  data: Record<string, unknown>;
  /** Who gets an in-app notification, and what it says. `link` is an app path such as "/requests/<id>". */
  notify?: { userIds: string[]; kind: NotificationKind; title: string; body?: string; link?: string; requestId?: string } | null;
  /**
   * The CloudEvent id (a uuid). Give a stable one (e.g. derived from the transition) to make a
   * retried publish idempotent: a webhook never gets the same event id twice. Default: a new uuid.
   */
  eventId?: string;
  /** When it happened; default now. */
  time?: Date;
};

export async function publishEvent(tx: Executor, event: ProvisioEvent): Promise<void> {
  await sendTogether(tx, eventTogether(tx, event));
}

/**
 * publishEvent as parts of one statement (sendTogether) that reads the team's webhooks itself: the
 * events' notifications (one insert) and their webhook deliveries (a CTE named `name`, in the
 * events' order) with their jobs.
 */
export function eventTogether(
  tx: Executor,
  events: ProvisioEvent | readonly ProvisioEvent[],
  name?: string,
): { writes: SQLWrapper[]; named: Record<string, SQLWrapper>; calls: SQL[] } {
  const list: readonly ProvisioEvent[] = Array.isArray(events) ? events : [events as ProvisioEvent];
  const told = notificationInsert(tx, list);
  return { writes: told ? [told] : [], ...webhookDeliveriesTogether(list.map(delivered), name) };
}

/** What webhooks receive of an event: its id and time given or made now. */
const delivered = (event: ProvisioEvent) => ({
  eventId: event.eventId ?? randomUUID(),
  type: event.type,
  teamId: event.teamId,
  subject: event.subject,
  time: event.time ?? new Date(),
  data: event.data,
});

/**
 * publishEvent's in-app notifications as one insert, not yet sent (null when nobody is told): for
 * a caller that sends it with other writes in one statement, then publishes the event with
 * `notify: null` (the webhooks).
 */
export function notificationInsert(
  tx: Executor,
  events: Pick<ProvisioEvent, "notify" | "teamId"> | readonly Pick<ProvisioEvent, "notify" | "teamId">[],
) {
  const rows = (Array.isArray(events) ? events : [events]).flatMap((event: Pick<ProvisioEvent, "notify" | "teamId">) => {
    const notify = event.notify;
    return notify
      ? [...new Set(notify.userIds)].map((userId) => ({
          userId,
          kind: notify.kind,
          title: notify.title,
          body: notify.body ?? "",
          link: notify.link ?? null,
          teamId: event.teamId,
          requestId: notify.requestId ?? null,
        }))
      : [];
  });
  return rows.length ? tx.insert(notifications).values(rows) : null;
}
