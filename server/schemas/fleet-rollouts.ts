/** Inputs of fleet rollouts (issue 14), shared by the API and the rollout form. */
import { z } from "zod";

const templateName = z.string().trim().min(1, "name a template").max(60, "at most 60 characters");
const semver = z.string().regex(/^\d{1,4}\.\d{1,4}\.\d{1,4}$/, "must be a version like 1.0.1");

export const dryRunRolloutInput = z.object({ templateName, targetVersion: semver });

export const startRolloutInput = dryRunRolloutInput
  .extend({
    canary: z.object({
      size: z.number().int("must be a whole number").min(1, "at least 1").max(1000, "at most 1000"),
      unit: z.enum(["environments", "percent"], { error: "must be environments or percent" }),
    }),
    batchSize: z.number().int("must be a whole number").min(1, "at least 1").max(1000, "at most 1000"),
    maxFailures: z.number().int("must be a whole number").min(0, "cannot be negative").max(1000, "at most 1000").optional(),
    maxFailurePercent: z.number().int("must be a whole number").min(0, "cannot be negative").max(100, "at most 100").optional(),
    approvals: z.discriminatedUnion("mode", [
      z.object({ mode: z.literal("wait") }),
      z.object({
        mode: z.literal("skip"),
        reason: z.string().trim().min(10, "say why, in at least 10 characters").max(500, "at most 500 characters"),
      }),
    ]),
    confirmDestructive: z.boolean().optional(),
  })
  .refine((v) => v.canary.unit !== "percent" || v.canary.size <= 100, { message: "a percentage is at most 100", path: ["canary", "size"] })
  .refine((v) => v.maxFailures !== undefined || v.maxFailurePercent !== undefined, {
    message: "set a failure threshold: a number, a percentage, or both",
    path: ["maxFailures"],
  });

export const rolloutIdInput = z.object({ rolloutId: z.uuid({ error: "must be a rollout id" }) });
export const cancelRolloutInput = rolloutIdInput.extend({ reason: z.string().trim().max(500, "at most 500 characters").optional() });
export const listRolloutsInput = z.object({ templateName });
export const armSimFaultInput = z.object({ environmentId: z.uuid({ error: "must be an environment id" }) });
