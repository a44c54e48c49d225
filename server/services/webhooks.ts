/**
 * Outgoing webhooks per team: CloudEvents 1.0 (structured JSON), signed with HMAC-SHA256,
 * delivered by the worker through the job queue with retries.
 *
 * How a receiver verifies a delivery (also in the webhooks page's help):
 *   1. Read the raw request body (bytes, before any JSON parsing) and the headers
 *      `x-provisio-timestamp` (Unix seconds) and `x-provisio-signature` (`sha256=<hex>`).
 *   2. Compute HMAC-SHA256(secret, `${timestamp}.${rawBody}`) as lowercase hex and compare it
 *      with the header in constant time.
 *   3. Reject timestamps older than 5 minutes (replays), and deduplicate on `ce-id` (the same
 *      event can arrive more than once: delivery is at-least-once).
 *
 * The secret is generated here (or brought by the caller, at least 24 characters), stored sealed
 * (secret-box.ts), returned once by create and rotateSecret, and never again: lists only show
 * a masked hint.
 */
import { and, desc, eq, lt, or, sql } from "drizzle-orm";
import { createHmac, randomBytes, randomUUID, timingSafeEqual } from "node:crypto";
import type { z } from "zod";
import type { Database, Executor } from "~/db/client";
import { users, webhookDeliveries, webhooks } from "~/db/schema";
import type { createWebhookInput, deliveriesInput, updateWebhookInput } from "~/server/schemas/webhooks";
import { recordAudit, type Actor } from "~/server/core/audit";
import { ServiceError, notFound } from "~/server/core/errors";
import { openSecret, sealSecret, secretHint, SecretBoxError } from "~/server/core/secret-box";
import { checkWebhookUrl, localTargetsAllowed } from "./webhook-targets";
import { enqueueDeliveryJob, type CloudEvent } from "~/server/core/webhook-outbox";

export const SIGNATURE_HEADER = "x-provisio-signature";
export const TIMESTAMP_HEADER = "x-provisio-timestamp";
/** Receivers should refuse deliveries whose timestamp is older than this. */
export const SIGNATURE_TOLERANCE_SECONDS = 300;

const SECRET_PURPOSE = "webhook-signing-secret";
const secretContext = (webhookId: string) => `webhook:${webhookId}`;

export type WebhookOptions = { allowLocal?: boolean };

// Signing ---------------------------------------------------------------------------------------

export function signatureFor(secret: string, timestamp: number | string, body: string): string {
  return `sha256=${createHmac("sha256", secret).update(`${timestamp}.${body}`, "utf8").digest("hex")}`;
}

/** What a receiver does; exported for tests and as executable documentation. */
export function verifySignature(
  secret: string,
  headers: { signature: string | undefined | null; timestamp: string | undefined | null },
  body: string,
  nowSeconds = Math.floor(Date.now() / 1000),
): boolean {
  if (!headers.signature || !headers.timestamp || !/^\d+$/.test(headers.timestamp)) return false;
  if (Math.abs(nowSeconds - Number(headers.timestamp)) > SIGNATURE_TOLERANCE_SECONDS) return false;
  const expected = Buffer.from(signatureFor(secret, headers.timestamp, body));
  const given = Buffer.from(headers.signature);
  return expected.length === given.length && timingSafeEqual(expected, given);
}

export function generateSecret(): string {
  return `whsec_${randomBytes(32).toString("base64url")}`;
}

function sealFor(webhookId: string, secret: string): string {
  return sealSecret(secret, SECRET_PURPOSE, secretContext(webhookId));
}

/** The webhook's signing secret, for the worker only. Throws SecretBoxError when unreadable. */
export function openWebhookSecret(webhook: { id: string; secretCiphertext: string }): string {
  return openSecret(webhook.secretCiphertext, SECRET_PURPOSE, secretContext(webhook.id));
}

// Management --------------------------------------------------------------------------------

type WebhookRow = typeof webhooks.$inferSelect;

function hintOf(webhook: WebhookRow): string | null {
  try {
    return secretHint(openWebhookSecret(webhook));
  } catch (error) {
    if (error instanceof SecretBoxError) return null;
    throw error;
  }
}

/** What people allowed to see the webhook read: never the secret, only a masked hint. */
function publicWebhook(webhook: WebhookRow) {
  const hint = hintOf(webhook);
  return {
    id: webhook.id,
    teamId: webhook.teamId,
    url: webhook.url,
    events: webhook.events,
    active: webhook.active,
    version: webhook.version,
    secretHint: hint,
    /** False when the secret cannot be decrypted (NEXTAUTH_SECRET changed): rotate it. */
    secretReadable: hint !== null,
    createdAt: webhook.createdAt,
    updatedAt: webhook.updatedAt,
  };
}

export type PublicWebhook = ReturnType<typeof publicWebhook>;

/** For the audit log: what changed, never the secret. */
const auditView = (w: WebhookRow) => ({ url: w.url, events: w.events, active: w.active });

function assertUrlAllowed(url: string, options: WebhookOptions) {
  const problem = checkWebhookUrl(url, { allowLocal: options.allowLocal ?? localTargetsAllowed() });
  if (problem) throw new ServiceError("invalid", `url: ${problem}`, "url", { url: [problem] });
}

async function findTeamWebhook(db: Executor, teamId: string, webhookId: string): Promise<WebhookRow> {
  const webhook = await db.query.webhooks.findFirst({ where: and(eq(webhooks.id, webhookId), eq(webhooks.teamId, teamId)) });
  if (!webhook) throw notFound("Webhook");
  return webhook;
}

export async function listWebhooks(db: Database, teamId: string) {
  const rows = await db
    .select({
      webhook: webhooks,
      createdBy: users.name,
      pending: sql<number>`(select count(*)::int from ${webhookDeliveries} d where d.webhook_id = ${webhooks.id} and d.status = 'pending')`,
      failed: sql<number>`(select count(*)::int from ${webhookDeliveries} d where d.webhook_id = ${webhooks.id} and d.status = 'failed')`,
      lastDeliveryAt: sql<Date | null>`(select max(d.created_at) from ${webhookDeliveries} d where d.webhook_id = ${webhooks.id})`.mapWith(
        (v: string | null) => (v ? new Date(v) : null),
      ),
    })
    .from(webhooks)
    .leftJoin(users, eq(users.id, webhooks.createdById))
    .where(eq(webhooks.teamId, teamId))
    .orderBy(desc(webhooks.createdAt), desc(webhooks.id));
  return rows.map((r) => ({
    ...publicWebhook(r.webhook),
    createdBy: r.createdBy,
    deliveries: { pending: r.pending, failed: r.failed, lastAt: r.lastDeliveryAt },
  }));
}

export async function createWebhook(db: Database, actor: Actor, input: z.infer<typeof createWebhookInput>, options: WebhookOptions = {}) {
  assertUrlAllowed(input.url, options);
  const secret = input.secret ?? generateSecret();
  const id = randomUUID();
  return db.transaction(async (tx) => {
    const [webhook] = await tx
      .insert(webhooks)
      .values({ id, teamId: input.teamId, url: input.url, events: input.events, secretCiphertext: sealFor(id, secret), createdById: actor.id })
      .returning();
    if (!webhook) throw new Error("webhook insert returned nothing");
    await recordAudit(tx, actor, {
      action: "webhook.created",
      subjectType: "webhook",
      subjectId: id,
      teamId: input.teamId,
      after: auditView(webhook),
    });
    // The only time the secret leaves the server besides rotateSecret.
    return { webhook: publicWebhook(webhook), secret };
  });
}

export async function updateWebhook(db: Database, actor: Actor, input: z.infer<typeof updateWebhookInput>, options: WebhookOptions = {}) {
  if (input.url !== undefined) assertUrlAllowed(input.url, options);
  return db.transaction(async (tx) => {
    const before = await findTeamWebhook(tx, input.teamId, input.webhookId);
    const [after] = await tx
      .update(webhooks)
      .set({
        ...(input.url !== undefined ? { url: input.url } : {}),
        ...(input.events !== undefined ? { events: input.events } : {}),
        ...(input.active !== undefined ? { active: input.active } : {}),
        version: sql`${webhooks.version} + 1`,
        updatedAt: new Date(),
      })
      .where(and(eq(webhooks.id, before.id), eq(webhooks.version, input.expectedVersion)))
      .returning();
    if (!after) throw new ServiceError("conflict", "Someone else changed this webhook since you opened it. Reload and try again.");
    await recordAudit(tx, actor, {
      action: "webhook.updated",
      subjectType: "webhook",
      subjectId: after.id,
      teamId: after.teamId,
      before: auditView(before),
      after: auditView(after),
    });
    return publicWebhook(after);
  });
}

export async function rotateWebhookSecret(db: Database, actor: Actor, input: { teamId: string; webhookId: string; secret?: string }) {
  const secret = input.secret ?? generateSecret();
  return db.transaction(async (tx) => {
    const webhook = await findTeamWebhook(tx, input.teamId, input.webhookId);
    const [after] = await tx
      .update(webhooks)
      .set({ secretCiphertext: sealFor(webhook.id, secret), version: sql`${webhooks.version} + 1`, updatedAt: new Date() })
      .where(eq(webhooks.id, webhook.id))
      .returning();
    if (!after) throw notFound("Webhook");
    await recordAudit(tx, actor, {
      action: "webhook.secret_rotated",
      subjectType: "webhook",
      subjectId: webhook.id,
      teamId: webhook.teamId,
      after: { secretRotated: true },
    });
    return { webhook: publicWebhook(after), secret };
  });
}

/** Removes the webhook and its delivery log; waiting jobs find nothing and end. */
export async function deleteWebhook(db: Database, actor: Actor, input: { teamId: string; webhookId: string }) {
  return db.transaction(async (tx) => {
    const webhook = await findTeamWebhook(tx, input.teamId, input.webhookId);
    await tx.delete(webhooks).where(eq(webhooks.id, webhook.id));
    await recordAudit(tx, actor, {
      action: "webhook.deleted",
      subjectType: "webhook",
      subjectId: webhook.id,
      teamId: webhook.teamId,
      before: auditView(webhook),
    });
    return { deleted: true as const, id: webhook.id };
  });
}

export async function listDeliveries(db: Database, input: z.infer<typeof deliveriesInput>) {
  await findTeamWebhook(db, input.teamId, input.webhookId);
  const cursor = input.cursor
    ? await db.query.webhookDeliveries.findFirst({
        where: and(eq(webhookDeliveries.id, uuidOrNil(input.cursor)), eq(webhookDeliveries.webhookId, input.webhookId)),
      })
    : undefined;
  if (input.cursor && !cursor) throw new ServiceError("invalid", "cursor: is not a page of this delivery log", "cursor");
  const rows = await db
    .select()
    .from(webhookDeliveries)
    .where(
      and(
        eq(webhookDeliveries.webhookId, input.webhookId),
        input.status ? eq(webhookDeliveries.status, input.status) : undefined,
        cursor
          ? or(
              lt(webhookDeliveries.createdAt, cursor.createdAt),
              and(eq(webhookDeliveries.createdAt, cursor.createdAt), lt(webhookDeliveries.id, cursor.id)),
            )
          : undefined,
      ),
    )
    .orderBy(desc(webhookDeliveries.createdAt), desc(webhookDeliveries.id))
    .limit(input.limit + 1);
  const page = rows.slice(0, input.limit);
  return {
    deliveries: page.map((d) => ({
      id: d.id,
      eventId: d.eventId,
      eventType: d.eventType,
      subject: (d.payload as Partial<CloudEvent>).subject ?? null,
      status: d.status,
      attempts: d.attempts,
      lastStatusCode: d.lastStatusCode,
      lastError: d.lastError,
      lastAttemptAt: d.lastAttemptAt,
      deliveredAt: d.deliveredAt,
      createdAt: d.createdAt,
    })),
    nextCursor: rows.length > input.limit ? (page.at(-1)?.id ?? null) : null,
  };
}

const uuidShape = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const uuidOrNil = (value: string) => (uuidShape.test(value) ? value : "00000000-0000-0000-0000-000000000000");

/**
 * Sends a delivery again (after a failure, or to replay one): back to pending and queued, in one
 * transaction. Clicking twice queues one job (the job key), never two.
 */
export async function redeliver(db: Database, actor: Actor, input: { teamId: string; webhookId: string; deliveryId: string }) {
  return db.transaction(async (tx) => {
    const webhook = await findTeamWebhook(tx, input.teamId, input.webhookId);
    if (!webhook.active) throw new ServiceError("conflict", "This webhook is paused: resume it before sending deliveries again.");
    const [delivery] = await tx
      .update(webhookDeliveries)
      .set({ status: "pending", deliveredAt: null })
      .where(and(eq(webhookDeliveries.id, input.deliveryId), eq(webhookDeliveries.webhookId, webhook.id)))
      .returning({ id: webhookDeliveries.id, eventType: webhookDeliveries.eventType });
    if (!delivery) throw notFound("Delivery");
    await enqueueDeliveryJob(tx, delivery.id);
    await recordAudit(tx, actor, {
      action: "webhook.redelivered",
      subjectType: "webhook",
      subjectId: webhook.id,
      teamId: webhook.teamId,
      after: { deliveryId: delivery.id, eventType: delivery.eventType },
    });
    return { id: delivery.id, status: "pending" as const };
  });
}
