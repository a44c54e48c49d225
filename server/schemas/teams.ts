import { z } from "zod";

export const budgetModes = ["hard", "soft"] as const;
export type BudgetMode = (typeof budgetModes)[number];

/** What each budget mode does, in one line: shown next to the choice in the admin forms. */
export const budgetModeHelp: Record<BudgetMode, { label: string; help: string }> = {
  hard: { label: "Hard", help: "A request that would take the team over its monthly budget is denied." },
  soft: { label: "Soft", help: "A request over the budget may go ahead, but only with an admin's approval." },
};

const wholeDollars = z
  .number({ error: "must be a number of dollars" })
  .int("whole dollars")
  .min(0, "cannot be negative")
  .max(100_000_000, "at most $100,000,000");

/** A quota: a whole number, or null for unlimited. */
const quota = z
  .number({ error: "must be a whole number (leave empty for unlimited)" })
  .int("must be a whole number")
  .min(0, "cannot be negative")
  .max(1_000_000, "at most 1,000,000")
  .nullable();

/**
 * Team inputs: one schema for the admin forms in the browser and for the API. Money is whole
 * dollars here and cents in the database. The budget mode, approval threshold and quotas may
 * be left out (API clients that do not know them): a new team is then hard-budgeted with no
 * threshold and no quotas, and an update keeps what the team had.
 */
export const teamFields = z.object({
  name: z.string().trim().min(2, "at least 2 characters").max(80, "at most 80 characters"),
  description: z.string().trim().max(500, "at most 500 characters").default(""),
  costCenter: z
    .string()
    .trim()
    .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{1,39}$/, "2–40 letters, digits, '-', '_' or '.'"),
  /** Whole dollars in the UI and API; stored as cents. */
  monthlyBudgetUsd: wholeDollars,
  budgetMode: z.enum(budgetModes, { error: "must be hard or soft" }).optional(),
  /** Above this estimated monthly cost an admin must approve; null = no threshold. */
  approvalThresholdUsd: wholeDollars.nullable().optional(),
  /** What the team's environments may hold at once; null = unlimited. */
  quotaVcpus: quota.optional(),
  quotaInstances: quota.optional(),
  quotaGpus: quota.optional(),
});

/** The fields of the team forms, for placing server errors next to them. */
export const teamLimitFieldNames = ["budgetMode", "approvalThresholdUsd", "quotaVcpus", "quotaInstances", "quotaGpus"] as const;

export const createTeamInput = teamFields.extend({
  slug: z
    .string()
    .trim()
    .min(2, "at least 2 characters")
    .max(40, "at most 40 characters")
    .regex(/^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/, "lowercase letters, digits and '-' only"),
});

export const updateTeamInput = teamFields.extend({
  /** The version the editor saw; a stale one means someone else changed the team meanwhile. */
  expectedVersion: z.number().int().positive(),
});

export const membershipRoles = ["member", "approver"] as const;
export const globalRoles = ["admin", "auditor"] as const;

export const setMemberInput = z.object({
  teamId: z.uuid({ error: "must be a team id" }),
  email: z.email({ error: "must be an email address" }),
  role: z.enum(membershipRoles, { error: "must be member or approver" }),
});
