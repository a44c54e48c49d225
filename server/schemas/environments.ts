import { z } from "zod";
import { environmentStatuses } from "~/db/vocabulary";
import { templateNamePattern, tiers } from "~/server/templates/format";

/** Environment inputs: one schema for the pages in the browser and for the API. */

const environmentId = z.uuid({ error: "must be an environment id" });

export const listEnvironmentsInput = z.object({
  /** mine: environments I own; teams: every environment of my teams (all of them for admins and auditors). */
  scope: z.enum(["mine", "teams"], { error: "must be mine or teams" }).default("mine"),
  status: z.enum(environmentStatuses, { error: "must be an environment status" }).optional(),
  tier: z.enum(tiers, { error: "must be dev, staging or prod" }).optional(),
  template: z.string().regex(templateNamePattern, { error: "must be a template name" }).optional(),
  teamId: z.uuid({ error: "must be a team id" }).optional(),
  /** Live environments whose expiry is at most this many hours away (or already past). */
  expiringWithinHours: z
    .number({ error: "must be a number of hours" })
    .int("whole hours")
    .min(1, "at least 1 hour")
    .max(24 * 90, "at most 90 days")
    .optional(),
  search: z.string().trim().max(80, "at most 80 characters").optional(),
  /** The request number of the last row of the previous page. */
  cursor: z.number().int().positive().optional(),
  limit: z.number().int().min(1).max(100).default(25),
});

export const environmentIdInput = z.object({ environmentId });

export const revealSecretInput = z.object({
  environmentId,
  name: z.string().trim().min(1, "name the output to reveal").max(100, "at most 100 characters"),
});

export const destroyEnvironmentInput = z.object({
  environmentId,
  /** The environment's name, typed by the person to confirm they mean this one. */
  confirmName: z.string().trim().min(1, "type the environment's name to confirm").max(100, "at most 100 characters"),
  /** The environment version the person looked at. */
  expectedVersion: z.number({ error: "must be the environment version you saw" }).int().positive(),
});
