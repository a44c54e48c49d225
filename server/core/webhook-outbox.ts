/**
 * The webhook outbox: an event becomes one CloudEvent 1.0 delivery row per subscribed webhook of
 * the team, and one queued delivery job each, in the transaction that made the change
 * (events.ts). Managing webhooks and sending deliveries are services (server/services/webhooks*).
 */
import { randomUUID } from "node:crypto";
import { and, eq, sql, type SQL, type SQLWrapper } from "drizzle-orm";
import type { Executor } from "~/db/client";
import { webhookDeliveries, webhooks } from "~/db/schema";
import { enqueue, enqueueCall, enqueueEachCall, jobs } from "~/server/jobs/registry";
import { cloudEventTypePrefix } from "./event-types";

/** Attempts per delivery; graphile-worker waits exp(min(attempt, 10)) seconds between them. */
export const DELIVERY_MAX_ATTEMPTS = jobs.deliverWebhook.maxAttempts;

// CloudEvents --------------------------------------------------------------------------------

export type CloudEvent = {
  specversion: "1.0";
  id: string;
  source: string;
  type: string;
  subject: string;
  time: string;
  datacontenttype: "application/json";
  data: Record<string, unknown>;
};

export function cloudEventType(eventType: string): string {
  return `${cloudEventTypePrefix}${eventType}`;
}

export function buildCloudEvent(event: {
  eventId: string;
  type: string;
  teamId: string;
  subject: string;
  time: Date;
  data: Record<string, unknown>;
}): CloudEvent {
  return {
    specversion: "1.0",
    id: event.eventId,
    source: `/provisio/teams/${event.teamId}`,
    type: cloudEventType(event.type),
    subject: event.subject,
    time: event.time.toISOString(),
    datacontenttype: "application/json",
    data: event.data,
  };
}

/** The exact body sent: attributes in their usual order (jsonb does not keep key order). */
export function cloudEventBody(payload: CloudEvent): string {
  const { specversion, id, source, type, subject, time, datacontenttype, data } = payload;
  return JSON.stringify({ specversion, id, source, type, subject, time, datacontenttype, data });
}

/**
 * Inside the caller's transaction: one delivery row per active webhook of the team subscribed to
 * this event, and one queued job per new row. An event id delivered before (a retried publish)
 * adds nothing: the unique (webhook, event) index makes this idempotent.
 */
export async function enqueueWebhookDeliveries(
  tx: Executor,
  event: { eventId: string; type: string; teamId: string; subject: string; time: Date; data: Record<string, unknown> },
): Promise<string[]> {
  const payload = buildCloudEvent(event);
  const subscribed = await tx
    .select({ id: webhooks.id })
    .from(webhooks)
    .where(and(eq(webhooks.teamId, event.teamId), eq(webhooks.active, true), sql`${payload.type} = any(${webhooks.events})`));
  if (subscribed.length === 0) return [];
  const rows = await tx
    .insert(webhookDeliveries)
    .values(subscribed.map((w) => ({ webhookId: w.id, eventId: event.eventId, eventType: payload.type, payload })))
    .onConflictDoNothing()
    .returning({ id: webhookDeliveries.id });
  for (const row of rows) await enqueueDeliveryJob(tx, row.id);
  return rows.map((r) => r.id);
}

/**
 * Queues (or re-queues) the delivery job in the caller's transaction. The job key makes it one
 * waiting job per delivery: queueing again while one waits moves it to now instead of adding another.
 */
export async function enqueueDeliveryJob(tx: Executor, deliveryId: string): Promise<void> {
  await enqueue(tx, "deliverWebhook", { deliveryId });
}

/** A team's active webhook and the CloudEvent types it subscribes to. */
export type WebhookSubscriber = { id: string; events: string[] };

/**
 * The team's active webhooks as a json array of WebhookSubscriber: for a transaction that reads
 * them with its first query, then publishes with webhookDeliveryWrites (no round trip of their own).
 */
export function webhookSubscribersJson(teamId: string | SQLWrapper): SQL {
  return sql`(select coalesce(json_agg(json_build_object('id', w.id, 'events', w.events)), '[]'::json) from ${webhooks} w where w.team_id = ${teamId} and w.active)`;
}

/**
 * enqueueWebhookDeliveries as unsent writes, for subscribers read earlier in the same transaction:
 * the delivery rows of the events (in their order; ids made here) and their jobs' calls, for
 * sendTogether (db/together.ts). An event id delivered before adds no row; its job then finds no
 * delivery and is skipped.
 */
export function webhookDeliveryWrites(
  tx: Executor,
  events: readonly { eventId: string; type: string; teamId: string; subject: string; time: Date; data: Record<string, unknown> }[],
  subscribers: readonly WebhookSubscriber[],
): { insert: SQLWrapper | null; calls: SQL[] } {
  const rows = events.flatMap((event) => {
    const payload = buildCloudEvent(event);
    return subscribers
      .filter((w) => w.events.includes(payload.type))
      .map((w) => ({ id: randomUUID(), webhookId: w.id, eventId: event.eventId, eventType: payload.type, payload }));
  });
  if (rows.length === 0) return { insert: null, calls: [] };
  return {
    insert: tx.insert(webhookDeliveries).values(rows).onConflictDoNothing(),
    calls: rows.map((row) => enqueueCall("deliverWebhook", { deliveryId: row.id })),
  };
}

/**
 * enqueueWebhookDeliveries as parts of one statement (sendTogether), reading the team's webhooks in
 * that statement: a CTE named `name` inserting a delivery row for each subscribed one, and the call
 * queuing a job for each row it made.
 */
export function webhookDeliveriesTogether(
  event: { eventId: string; type: string; teamId: string; subject: string; time: Date; data: Record<string, unknown> },
  name = "webhook_deliveries_made",
): { named: Record<string, SQLWrapper>; calls: SQL[] } {
  const payload = buildCloudEvent(event);
  const insert = sql`insert into ${webhookDeliveries} (webhook_id, event_id, event_type, payload)
    select w.id, ${event.eventId}::uuid, ${payload.type}::text, ${JSON.stringify(payload)}::jsonb from ${webhooks} w
    where w.team_id = ${event.teamId}::uuid and w.active and ${payload.type}::text = any(w.events)
    on conflict do nothing returning id`;
  return { named: { [name]: insert }, calls: [enqueueEachCall("deliverWebhook", name, { deliveryId: "id" })] };
}
