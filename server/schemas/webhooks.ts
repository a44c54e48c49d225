import { z } from "zod";

/**
 * Webhook inputs: one schema for the team webhooks form in the browser and for the API.
 * Browser-safe (no node modules). The server applies the stricter target rules (https, blocked
 * addresses) in `server/services/webhooks.ts`, because they depend on the install.
 */

/** Prefix of every CloudEvent type Provisio sends. */
export const eventTypePrefix = "dev.provisio.";

/** The events a webhook can subscribe to, as CloudEvent types, with what they mean. */
export const webhookEventTypes = [
  { type: "dev.provisio.request.submitted", label: "Request submitted", description: "Someone requested an environment for the team." },
  { type: "dev.provisio.request.approval_needed", label: "Approval needed", description: "A request waits for an approver's decision." },
  { type: "dev.provisio.request.approved", label: "Request approved", description: "A request got every approval it needed." },
  { type: "dev.provisio.request.rejected", label: "Request rejected", description: "An approver rejected a request." },
  { type: "dev.provisio.request.cancelled", label: "Request cancelled", description: "The requester withdrew a request." },
  { type: "dev.provisio.request.updated", label: "Request updated", description: "A pending request's parameters changed." },
  { type: "dev.provisio.request.queued", label: "Request queued", description: "An approved request waits for the job runner." },
  { type: "dev.provisio.run.succeeded", label: "Run succeeded", description: "A provisioning run finished: the environment is ready." },
  { type: "dev.provisio.run.failed", label: "Run failed", description: "A provisioning run failed." },
  { type: "dev.provisio.environment.extended", label: "Environment extended", description: "An environment's expiry moved later (an extension took effect)." },
  { type: "dev.provisio.environment.expiring", label: "Environment expiring", description: "An environment expires in 24 hours, or in 1 hour." },
  { type: "dev.provisio.environment.expired", label: "Environment expired", description: "An environment's TTL ran out: it is being destroyed." },
  { type: "dev.provisio.environment.destroyed", label: "Environment destroyed", description: "Every resource of an environment is gone." },
] as const;

export type WebhookEventType = (typeof webhookEventTypes)[number]["type"];
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

export function eventTypeLabel(type: string): string {
  return webhookEventTypes.find((e) => e.type === type)?.label ?? type.replace(eventTypePrefix, "");
}
