import { z } from "zod";

/** Team inputs: one schema for the admin forms in the browser and for the API. */
export const teamFields = z.object({
  name: z.string().trim().min(2, "at least 2 characters").max(80, "at most 80 characters"),
  description: z.string().trim().max(500, "at most 500 characters").default(""),
  costCenter: z
    .string()
    .trim()
    .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{1,39}$/, "2–40 letters, digits, '-', '_' or '.'"),
  /** Whole dollars in the UI and API; stored as cents. */
  monthlyBudgetUsd: z.number().int("whole dollars").min(0, "cannot be negative").max(100_000_000, "at most $100,000,000"),
});

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
