import type { Database } from "~/db/client";
import { attemptDelivery, type DeliveryOptions } from "~/server/services/webhook-delivery";
import { defineTask } from "./define";

/**
 * `deliver_webhook`: one attempt at one delivery (see server/services/webhook-delivery.ts).
 * Throwing hands the job back to graphile-worker, which retries it with exponential backoff
 * until the job's max_attempts; every other outcome completes the job.
 */
export function deliverWebhookTask(db: Database, options: Pick<DeliveryOptions, "allowLocal" | "timeoutMs"> = {}) {
  return defineTask("deliverWebhook", async ({ deliveryId }, helpers) => {
    const result = await attemptDelivery(db, deliveryId, {
      ...options,
      attempt: helpers.job.attempts,
      maxAttempts: helpers.job.max_attempts,
    });
    const where = `delivery ${deliveryId}, attempt ${helpers.job.attempts}/${helpers.job.max_attempts}`;
    switch (result.outcome) {
      case "succeeded":
        helpers.logger.info(`webhook delivered (${where}): HTTP ${result.statusCode}`);
        return;
      case "skipped":
        helpers.logger.info(`webhook delivery skipped (${where}): ${result.reason}`);
        return;
      case "failed":
        helpers.logger.warn(`webhook delivery failed for good (${where}): ${result.error}`);
        return;
      case "retry":
        throw new Error(`webhook delivery will be retried (${where}): ${result.error}`);
    }
  });
}
