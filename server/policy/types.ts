/**
 * What the policy engine reads and what it decides. Everything is plain data: the caller
 * (the request service) loads the team, its spend and the template, and the engine stays a
 * pure function that the form, the submit path and the approval screen all share.
 *
 * Money is integer cents throughout; evaluatePolicy refuses anything else.
 */
import type { approverRoles, PolicySpec, Tier } from "~/server/templates/format";

export type ApproverRole = (typeof approverRoles)[number];
export type TeamRole = "member" | "approver";
export type GlobalRole = "admin" | "auditor";

export const quotaKinds = ["vcpus", "instances", "gpus"] as const;
export type QuotaKind = (typeof quotaKinds)[number];
export type QuotaFigures = Record<QuotaKind, number>;

export type PolicyCost = {
  /** Estimated cost of a whole month (730 hours), as the plan shows it; the cost threshold compares this. */
  monthlyCents: number;
  /** Cost over the requested TTL. */
  overTtlCents: number;
  ttlHours: number;
  /**
   * This request's share of the current month's budget: what it costs from now until its
   * expiry or the end of the calendar month (UTC), whichever comes first. Budgets are per
   * calendar month, so a 14-day environment requested on the 25th only spends 7 days of this
   * month's budget; next month's share is checked against next month's budget when it comes.
   * The caller computes it with `monthShareCents` (month-share.ts), so evaluatePolicy itself
   * needs no clock.
   */
  monthShareCents: number;
};

export type TeamBudgetAndQuotas = {
  monthlyBudgetCents: number;
  /** hard: a request that does not fit is denied; soft: it needs an admin's approval. */
  budgetMode: "hard" | "soft";
  /** Accrued cost of the team's environments this month so far (cost records). */
  spentThisMonthCents: number;
  /**
   * What is still to come this month, not yet in `spent`: live environments until their expiry
   * (or the month's end) at their hourly rate, and the month shares of the team's other
   * pending, approved and queued requests.
   */
  committedCents: number;
  /** null = unlimited. */
  quotas: Record<QuotaKind, number | null>;
  /** What the team's live environments and other approved/pending requests already hold. */
  quotaUsed: QuotaFigures;
};

export type Requester = { id: string; teamRole: TeamRole | null; globalRole: GlobalRole | null };

export type PolicyInput = {
  /** The template version's policy. The tiers it has TTL and approval rules for are the tiers it offers. */
  policy: PolicySpec;
  tier: Tier;
  cost: PolicyCost;
  /** What this request adds to the team's usage. */
  usage: QuotaFigures;
  team: TeamBudgetAndQuotas;
  requester: Requester;
};

export type RuleId =
  "tier_offered" | "ttl_max" | "tier_approvals" | "cost_threshold" | "budget" | "quota" | "separation_of_duties" | "ttl_extension" | "update_change";
export type RuleEffect = "allow" | "require_approval" | "deny";

/** One line of "why", as the form and the approval screen show it. */
export type PolicyReason = { rule: RuleId; effect: RuleEffect; message: string };

export type ApprovalStage = {
  role: ApproverRole;
  /** Approvals from different people this stage needs. */
  count: number;
  /** Why this stage exists ("prod tier; over the $500/month threshold"). */
  reason: string;
};

export type BudgetFigures = {
  mode: "hard" | "soft";
  limitCents: number;
  spentCents: number;
  committedCents: number;
  thisRequestCents: number;
  /** Negative when the request does not fit. */
  remainingAfterCents: number;
};

export type QuotaUsage = {
  /** null = unlimited. */
  limit: number | null;
  used: number;
  requested: number;
  /** null when unlimited; negative when the request does not fit. */
  remainingAfter: number | null;
};

export type PolicyDecision = {
  outcome: "auto_approved" | "needs_approval" | "denied";
  /** In the order they must be completed; empty when auto-approved or denied (no approval lifts a deny). */
  stages: ApprovalStage[];
  /** Denials first, then what needs approval, then what passed notably; rule order within each. */
  reasons: PolicyReason[];
  budget: BudgetFigures;
  quotas: Record<QuotaKind, QuotaUsage>;
};
