import { z } from "zod";
import { cloudEventTypePrefix, eventTypes, subscribableEventTypes, isEventType, type SubscribableCloudEventType } from "~/server/core/event-types";

/**
 * Webhook inputs: one schema for the team webhooks form in the browser and for the API.
 * Browser-safe (no node modules). The server applies the stricter target rules (https, blocked
 * addresses) in `server/services/webhooks.ts`, because they depend on the install.
 */

/** Prefix of every CloudEvent type Provisio sends. */
export const eventTypePrefix = cloudEventTypePrefix;

/** The events a webhook can subscribe to, as CloudEvent types, with what they mean (from the one event table). */
export const webhookEventTypes = subscribableEventTypes.map((name) => ({
  type: `${cloudEventTypePrefix}${name}` as SubscribableCloudEventType,
  label: eventTypes[name].label,
  description: eventTypes[name].description,
}));

export type WebhookEventType = SubscribableCloudEventType;
const eventTypeValues = webhookEventTypes.map((e) => e.type) as [WebhookEventType, ...WebhookEventType[]];

export const webhookEventsField = z
  .array(z.enum(eventTypeValues, { error: "is not an event Provisio sends" }), { error: "must be a list of event types" })
  .min(1, "choose at least one event")
  .max(eventTypeValues.length)
  .transform((events) => [...new Set(events)]);

export const webhookUrlField = z
  .string({ error: "must be a URL" })
  .trim()
  .min(1, "is required")
  .max(2000, "at most 2000 characters")
  .pipe(z.url({ protocol: /^https?$/, error: "must be an http(s):// URL, e.g. https://hooks.example.com/provisio" }));

/** A secret the caller brings (else Provisio generates one): long enough to resist guessing. */
export const webhookSecretField = z
  .string()
  .min(24, "at least 24 characters")
  .max(200, "at most 200 characters")
  .regex(/^[\x21-\x7e]+$/, "printable characters without spaces");

export const webhookFormFields = z.object({
  url: webhookUrlField,
  events: webhookEventsField,
});

export const createWebhookInput = webhookFormFields.extend({
  teamId: z.uuid({ error: "must be a team id" }),
  secret: webhookSecretField.optional(),
});

const webhookRef = {
  teamId: z.uuid({ error: "must be a team id" }),
  webhookId: z.uuid({ error: "must be a webhook id" }),
};

export const updateWebhookInput = z.object({
  ...webhookRef,
  url: webhookUrlField.optional(),
  events: webhookEventsField.optional(),
  active: z.boolean({ error: "must be true or false" }).optional(),
  /** The version the editor saw; a stale one means someone else changed the webhook meanwhile. */
  expectedVersion: z.number({ error: "must be a number" }).int().positive(),
});

export const webhookRefInput = z.object(webhookRef);

export const rotateSecretInput = z.object({ ...webhookRef, secret: webhookSecretField.optional() });

export const deliveriesInput = z.object({
  ...webhookRef,
  status: z.enum(["pending", "succeeded", "failed"], { error: "must be pending, succeeded or failed" }).optional(),
  /** Opaque cursor from the previous page's `nextCursor`. */
  cursor: z.string().max(120).optional(),
  limit: z.number().int().min(1).max(100).default(25),
});

export const redeliverInput = z.object({ ...webhookRef, deliveryId: z.uuid({ error: "must be a delivery id" }) });

/** "dev.provisio.request.approved" → "Request approved"; an unknown type (an old delivery) as it is, without the prefix. */
export function eventTypeLabel(type: string): string {
  const name = type.startsWith(eventTypePrefix) ? type.slice(eventTypePrefix.length) : type;
  return isEventType(name) ? eventTypes[name].label : name;
}
