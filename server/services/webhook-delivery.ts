/**
 * One attempt at one webhook delivery, run by the worker's `deliver_webhook` task.
 *
 * Retry policy:
 * - 2xx: succeeded.
 * - 408, 425, 429, 5xx, timeouts (10 s) and network errors: recorded, then the task throws so
 *   graphile-worker retries with its exponential backoff (about e^n seconds: 3 s, 7 s, 20 s, 55 s,
 *   2.5 min, 7 min, 18 min), 8 attempts in all (about 30 minutes); after the last one: failed.
 * - Other 4xx and 3xx (redirects are not followed): failed at once; the receiver refuses this
 *   request and sending it again will not change that. An approver can redeliver after fixing it.
 * - Paused webhook, unreadable secret or a target the URL rules refuse, also when its host name
 *   resolves to a refused address at delivery time: failed at once (sending again would be
 *   refused again; retrying only knocks on the forbidden address seven more times).
 *
 * Each attempt is one UPDATE of the delivery row (attempts + 1, status code or error, time). The
 * secret is only used to sign; it never goes into the row, the logs or an error message.
 */
import { eq, sql } from "drizzle-orm";
import type { lookup as dnsLookup } from "node:dns";
import http from "node:http";
import https from "node:https";
import type { Database } from "~/db/client";
import { webhookDeliveries, webhooks } from "~/db/schema";
import { SecretBoxError } from "~/server/core/secret-box";
import { checkWebhookUrl, guardedLookup, localTargetsAllowed, RefusedTargetError } from "./webhook-targets";
import { cloudEventBody, type CloudEvent } from "~/server/core/webhook-outbox";
import { openWebhookSecret, signatureFor, SIGNATURE_HEADER, TIMESTAMP_HEADER } from "./webhooks";

export const DELIVERY_TIMEOUT_MS = 10_000;
const MAX_ERROR_LENGTH = 500;
const MAX_RESPONSE_SNIPPET = 200;

export type DeliveryOutcome =
  | { outcome: "succeeded"; statusCode: number }
  | { outcome: "retry"; statusCode: number | null; error: string }
  | { outcome: "failed"; statusCode: number | null; error: string }
  | { outcome: "skipped"; reason: string };

export type DeliveryOptions = {
  /** This attempt's number (1-based) and the most there will be; from graphile-worker's job. */
  attempt: number;
  maxAttempts: number;
  allowLocal?: boolean;
  timeoutMs?: number;
  /** The host name resolver (tests give one that answers a chosen address). */
  resolve?: typeof dnsLookup;
};

type HttpResult = { statusCode: number; statusText: string; snippet: string } | { error: string; refused?: boolean };

/** 408 Request Timeout, 425 Too Early and 429 Too Many Requests are worth another try. */
export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 425 || status === 429 || status >= 500;
}

function describeNetworkError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const code = (error as NodeJS.ErrnoException).code;
  if (code === "EPROVISIO_REFUSED_TARGET") return error.message;
  if (code === "ECONNREFUSED") return `connection refused (${error.message.replace(/^connect ECONNREFUSED\s*/, "") || "ECONNREFUSED"})`;
  if (code === "ENOTFOUND" || code === "EAI_AGAIN") return `host name not found (${code})`;
  return code ? `${error.message} (${code})` : error.message;
}

const refusedTarget = (error: unknown) => error instanceof RefusedTargetError;

function post(
  url: URL,
  body: string,
  headers: Record<string, string>,
  options: { allowLocal: boolean; timeoutMs: number; resolve?: typeof dnsLookup },
): Promise<HttpResult> {
  const client = url.protocol === "https:" ? https : http;
  return new Promise((resolve) => {
    let settled = false;
    const finish = (result: HttpResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(result);
    };
    const request = client.request(
      url,
      {
        method: "POST",
        headers: { ...headers, "content-length": String(Buffer.byteLength(body)) },
        lookup: guardedLookup({ allowLocal: options.allowLocal, resolve: options.resolve }),
        agent: false,
      },
      (response) => {
        const chunks: Buffer[] = [];
        let size = 0;
        response.on("data", (chunk: Buffer) => {
          if (size < MAX_RESPONSE_SNIPPET) chunks.push(chunk);
          size += chunk.length;
        });
        response.on("end", () =>
          finish({
            statusCode: response.statusCode ?? 0,
            statusText: response.statusMessage ?? "",
            snippet: Buffer.concat(chunks)
              .toString("utf8")
              .slice(0, MAX_RESPONSE_SNIPPET)
              .replace(/[\u0000-\u001f\u007f]+/g, " ")
              .trim(),
          }),
        );
        response.on("error", (error) => finish({ error: describeNetworkError(error) }));
      },
    );
    const timer = setTimeout(() => {
      finish({ error: `no answer within ${options.timeoutMs / 1000} s` });
      request.destroy();
    }, options.timeoutMs);
    request.on("error", (error) => finish({ error: describeNetworkError(error), refused: refusedTarget(error) }));
    request.end(body);
  });
}

function sanitize(message: string, secret: string | null): string {
  const clean = secret ? message.split(secret).join("[redacted]") : message;
  return clean.length > MAX_ERROR_LENGTH ? `${clean.slice(0, MAX_ERROR_LENGTH - 1)}…` : clean;
}

async function record(
  db: Database,
  deliveryId: string,
  status: "pending" | "succeeded" | "failed",
  result: { statusCode: number | null; error: string | null },
  countsAsAttempt: boolean,
) {
  await db
    .update(webhookDeliveries)
    .set({
      status,
      attempts: countsAsAttempt ? sql`${webhookDeliveries.attempts} + 1` : undefined,
      lastStatusCode: result.statusCode,
      lastError: result.error,
      lastAttemptAt: countsAsAttempt ? sql`now()` : undefined,
      deliveredAt: status === "succeeded" ? sql`now()` : null,
    })
    .where(eq(webhookDeliveries.id, deliveryId));
}

export async function attemptDelivery(db: Database, deliveryId: string, options: DeliveryOptions): Promise<DeliveryOutcome> {
  const [row] = await db
    .select({ delivery: webhookDeliveries, webhook: webhooks })
    .from(webhookDeliveries)
    .innerJoin(webhooks, eq(webhooks.id, webhookDeliveries.webhookId))
    .where(eq(webhookDeliveries.id, deliveryId));
  // The webhook (and with it its log) was deleted while the job waited: nothing to send.
  if (!row) return { outcome: "skipped", reason: "delivery no longer exists" };
  const { delivery, webhook } = row;
  // A second job for a delivery that already arrived (e.g. redelivered while in flight).
  if (delivery.status === "succeeded") return { outcome: "skipped", reason: "already delivered" };

  const fail = async (error: string): Promise<DeliveryOutcome> => {
    await record(db, delivery.id, "failed", { statusCode: null, error }, false);
    return { outcome: "failed", statusCode: null, error };
  };
  if (!webhook.active) return fail("Not sent: the webhook is paused.");
  const allowLocal = options.allowLocal ?? localTargetsAllowed();
  const refused = checkWebhookUrl(webhook.url, { allowLocal });
  if (refused) return fail(`Not sent: the URL ${refused}.`);
  let secret: string;
  try {
    secret = openWebhookSecret(webhook);
  } catch (error) {
    if (error instanceof SecretBoxError) return fail(`Not sent: ${error.message} Rotate the webhook's secret.`);
    throw error;
  }

  const payload = delivery.payload as CloudEvent;
  const body = cloudEventBody(payload);
  const timestamp = Math.floor(Date.now() / 1000);
  const headers: Record<string, string> = {
    "content-type": "application/cloudevents+json; charset=utf-8",
    "user-agent": "Provisio-Webhooks/1.0",
    "ce-specversion": "1.0",
    "ce-id": payload.id,
    "ce-type": payload.type,
    "ce-source": payload.source,
    "webhook-id": payload.id,
    "x-provisio-delivery": delivery.id,
    [TIMESTAMP_HEADER]: String(timestamp),
    [SIGNATURE_HEADER]: signatureFor(secret, timestamp, body),
  };
  const result = await post(new URL(webhook.url), body, headers, {
    allowLocal,
    timeoutMs: options.timeoutMs ?? DELIVERY_TIMEOUT_MS,
    resolve: options.resolve,
  });
  if ("refused" in result && result.refused) return fail(`Not sent: ${sanitize(result.error, secret)}.`);

  if ("statusCode" in result && result.statusCode >= 200 && result.statusCode < 300) {
    await record(db, delivery.id, "succeeded", { statusCode: result.statusCode, error: null }, true);
    return { outcome: "succeeded", statusCode: result.statusCode };
  }
  const statusCode = "statusCode" in result ? result.statusCode : null;
  const error = sanitize(
    "statusCode" in result
      ? `HTTP ${result.statusCode}${result.statusText ? ` ${result.statusText}` : ""}${result.statusCode >= 300 && result.statusCode < 400 ? " (redirects are not followed: use the final URL)" : ""}${result.snippet ? `: ${result.snippet}` : ""}`
      : result.error,
    secret,
  );
  const retryable = statusCode === null || isRetryableStatus(statusCode);
  const last = options.attempt >= options.maxAttempts;
  if (retryable && !last) {
    await record(db, delivery.id, "pending", { statusCode, error }, true);
    return { outcome: "retry", statusCode, error };
  }
  await record(
    db,
    delivery.id,
    "failed",
    { statusCode, error: last && retryable ? `${error} (gave up after ${options.attempt} attempts)` : error },
    true,
  );
  return { outcome: "failed", statusCode, error };
}
