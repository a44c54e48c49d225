/** Inputs of extending an environment's TTL, shared by the API and the form. */
import { z } from "zod";

/** One request adds at most 90 days; the policy's ceiling (3× the tier's maximum) usually bites first. */
export const maxExtensionHours = 24 * 90;

export const extensionHours = z
  .number({ error: "must be a number of hours" })
  .int("must be a whole number of hours")
  .min(1, "must add at least 1 hour")
  .max(maxExtensionHours, `must be at most ${maxExtensionHours} hours (90 days)`);

export const previewExtensionInput = z.object({ environmentId: z.uuid({ error: "must be an environment id" }), hours: extensionHours });

export const requestExtensionInput = previewExtensionInput.extend({
  justification: z.string().trim().min(10, "say why, in at least 10 characters").max(2000, "at most 2000 characters"),
  clientRequestId: z.uuid({ error: "must be a uuid" }),
});
