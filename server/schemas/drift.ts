import { z } from "zod";

/** Drift inputs (issue 13): one schema for the drift panel and the API. The environment id comes with environmentProcedure. */

export const acknowledgeDriftInput = z.object({
  reason: z.string({ error: "must be text" }).trim().min(10, "say why in at least 10 characters").max(500, "at most 500 characters"),
  hours: z.number({ error: "must be a number of hours" }).int("whole hours").min(1, "at least 1 hour").max(720, "at most 30 days"),
});

export const simChaosInput = z.object({
  kind: z.enum(["property", "delete", "tag"], { error: "must be property, delete or tag" }),
});

export const requestReconcileInput = z.object({
  reason: z.string({ error: "must be text" }).trim().min(10, "say why in at least 10 characters").max(500, "at most 500 characters"),
});

/** Accepting drift: the actual values become the desired ones through a day-2 update request (the reason is its justification). */
export const acceptDriftInput = z.object({
  reason: z.string({ error: "must be text" }).trim().min(10, "say why in at least 10 characters").max(500, "at most 500 characters"),
  clientRequestId: z.uuid({ error: "must be a uuid" }),
});
