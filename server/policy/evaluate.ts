/**
 * The policy engine: from a request's template policy, tier, cost, usage, team and requester
 * to a decision (auto-approved, needs approvals in stages, or denied), with a reason for every
 * rule that fired. Pure: same input, same decision, so the form can preview exactly what the
 * submit will decide.
 */
import { isAdmin } from "~/server/access/rules";
import { budget, budgetFigures } from "./rules/budget";
import { costThreshold } from "./rules/cost-threshold";
import { quotas, quotaUsage } from "./rules/quotas";
import { tierApprovals, tierOffered, ttlWithinMax } from "./rules/tier";
import type { Rule } from "./rules/types";
import { mergeStages } from "./stages";
import { quotaKinds, type ApprovalStage, type PolicyDecision, type PolicyInput, type PolicyReason, type RuleEffect, type RuleId } from "./types";

/** Every built-in rule, in the order their reasons read. Tier approvals come first so their stages lead. */
export const policyRules: readonly { id: RuleId; rule: Rule }[] = [
  { id: "tier_offered", rule: tierOffered },
  { id: "ttl_max", rule: ttlWithinMax },
  { id: "tier_approvals", rule: tierApprovals },
  { id: "cost_threshold", rule: costThreshold },
  { id: "budget", rule: budget },
  { id: "quota", rule: quotas },
];

const effectOrder: Record<RuleEffect, number> = { deny: 0, require_approval: 1, allow: 2 };

export function evaluatePolicy(input: PolicyInput): PolicyDecision {
  assertWholeNumbers(input);
  const results = policyRules.map(({ id, rule }) => ({ id, ...rule(input) }));
  const reasons = results.flatMap((r) => r.reasons);
  const tierStages = results.filter((r) => r.id === "tier_approvals").flatMap((r) => r.stages);
  const addedStages = results.filter((r) => r.id !== "tier_approvals").flatMap((r) => r.stages);
  const stages = mergeStages(tierStages, addedStages);
  const denied = reasons.some((r) => r.effect === "deny");
  if (!denied) reasons.push(...separationOfDuties(input, stages));
  return {
    outcome: denied ? "denied" : stages.length > 0 ? "needs_approval" : "auto_approved",
    // No approval can lift a deny, so a denied request asks for none.
    stages: denied ? [] : stages,
    // Array.prototype.sort is stable: rule order is kept within each effect.
    reasons: reasons.sort((a, b) => effectOrder[a.effect] - effectOrder[b.effect]),
    budget: budgetFigures(input),
    quotas: quotaUsage(input),
  };
}

/**
 * A requester who holds an approving role is told that it does not count for their own
 * request: being an admin or a team approver satisfies nothing here (approvals.ts enforces it).
 */
export function separationOfDuties({ requester }: PolicyInput, stages: readonly ApprovalStage[]): PolicyReason[] {
  const couldFill = stages.some((s) => isAdmin(requester) || (s.role === "team_approver" && requester.teamRole === "approver"));
  if (!couldFill) return [];
  return [
    {
      rule: "separation_of_duties",
      effect: "require_approval",
      message: "you cannot approve your own request: the approvals must come from other people",
    },
  ];
}

/** Money and counts are whole numbers (cents, hours, units); a float here is a bug upstream, not a rounding question. */
export function assertWholeNumbers({ cost, usage, team }: PolicyInput): void {
  const fields: Record<string, number> = {
    "cost.monthlyCents": cost.monthlyCents,
    "cost.overTtlCents": cost.overTtlCents,
    "cost.monthShareCents": cost.monthShareCents,
    "cost.ttlHours": cost.ttlHours,
    "team.monthlyBudgetCents": team.monthlyBudgetCents,
    "team.spentThisMonthCents": team.spentThisMonthCents,
    "team.committedCents": team.committedCents,
  };
  for (const kind of quotaKinds) {
    fields[`usage.${kind}`] = usage[kind];
    fields[`team.quotaUsed.${kind}`] = team.quotaUsed[kind];
    const limit = team.quotas[kind];
    if (limit !== null) fields[`team.quotas.${kind}`] = limit;
  }
  for (const [name, value] of Object.entries(fields)) {
    if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`policy input ${name} must be a whole number ≥ 0, got ${value}`);
  }
}
