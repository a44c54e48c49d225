/**
 * The webhook outbox: an event becomes one CloudEvent 1.0 delivery row per subscribed webhook of
 * the team, and one queued delivery job each, in the transaction that made the change
 * (events.ts). Managing webhooks and sending deliveries are services (server/services/webhooks*).
 */
import { sql, type SQL, type SQLWrapper } from "drizzle-orm";
import type { Executor } from "~/db/client";
import { webhookDeliveries, webhooks } from "~/db/schema";
import { sendTogether } from "~/db/together";
import { enqueue, enqueueEachCall, jobs } from "~/server/jobs/registry";
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

type OutboxEvent = { eventId: string; type: string; teamId: string; subject: string; time: Date; data: Record<string, unknown> };

/**
 * Inside the caller's transaction, in one statement: one delivery row per active webhook of each
 * event's team subscribed to it, and one queued job per new row. An event id delivered before (a
 * retried publish) adds nothing: the unique (webhook, event) index makes this idempotent.
 */
export async function enqueueWebhookDeliveries(tx: Executor, events: readonly OutboxEvent[]): Promise<void> {
  if (events.length) await sendTogether(tx, { writes: [], ...webhookDeliveriesTogether(events) });
}

/**
 * Queues (or re-queues) the delivery job in the caller's transaction. The job key makes it one
 * waiting job per delivery: queueing again while one waits moves it to now instead of adding another.
 */
export async function enqueueDeliveryJob(tx: Executor, deliveryId: string): Promise<void> {
  await enqueue(tx, "deliverWebhook", { deliveryId });
}

/**
 * enqueueWebhookDeliveries as parts of one statement (sendTogether), reading the team's webhooks in
 * that statement: a CTE named `name` inserting a delivery row for each subscribed webhook of each
 * event (one insert, in the events' order), and the call queuing a job for each row it made.
 */
export function webhookDeliveriesTogether(
  events: readonly OutboxEvent[],
  name = "webhook_deliveries_made",
): { named: Record<string, SQLWrapper>; calls: SQL[] } {
  const payloads = events.map((event) => ({ teamId: event.teamId, eventId: event.eventId, payload: buildCloudEvent(event) }));
  const insert = sql`insert into ${webhookDeliveries} (webhook_id, event_id, event_type, payload)
    select w.id, (e.v->>'eventId')::uuid, e.v->'payload'->>'type', e.v->'payload'
    from jsonb_array_elements(${JSON.stringify(payloads)}::jsonb) with ordinality as e(v, n)
    join ${webhooks} w on w.team_id = (e.v->>'teamId')::uuid and w.active and e.v->'payload'->>'type' = any(w.events)
    order by e.n, w.created_at
    on conflict do nothing returning id`;
  return { named: { [name]: insert }, calls: [enqueueEachCall("deliverWebhook", name, { deliveryId: "id" })] };
}
