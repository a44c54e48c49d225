/**
 * The team's monthly budget. What is left is the budget minus this month's accrued spend and
 * the month shares of the team's other approved and pending requests; this request's month
 * share must fit in it. A hard budget denies what does not fit; a soft one lets an admin
 * decide.
 */
import { formatUsd, formatUsdPair } from "../money";
import type { BudgetFigures, PolicyInput } from "../types";
import { type Rule } from "./types";

export function budgetFigures({ team, cost }: PolicyInput): BudgetFigures {
  const remainingBefore = team.monthlyBudgetCents - team.spentThisMonthCents - team.committedCents;
  return {
    mode: team.budgetMode,
    limitCents: team.monthlyBudgetCents,
    spentCents: team.spentThisMonthCents,
    committedCents: team.committedCents,
    thisRequestCents: cost.monthShareCents,
    remainingAfterCents: remainingBefore - cost.monthShareCents,
  };
}

export const budget: Rule = (input) => {
  const b = budgetFigures(input);
  const left = Math.max(0, b.remainingAfterCents + b.thisRequestCents);
  const [leftText, needText] = formatUsdPair(left, b.thisRequestCents);
  // A request that costs nothing this month does not spend budget, even when the team is already over.
  if (b.remainingAfterCents >= 0 || b.thisRequestCents === 0) {
    return {
      reasons: [{ rule: "budget", effect: "allow", message: `within budget: this request needs ${needText} of ${leftText} left this month` }],
      stages: [],
    };
  }
  const figures = `exceeds remaining budget: ${leftText} left of ${formatUsd(b.limitCents)}, this request needs ${needText}`;
  if (b.mode === "hard") return { reasons: [{ rule: "budget", effect: "deny", message: `${figures} — denied` }], stages: [] };
  return {
    reasons: [{ rule: "budget", effect: "require_approval", message: `${figures} — soft limit: an admin must approve` }],
    stages: [{ role: "admin", count: 1, reason: "over the remaining budget (soft limit)" }],
  };
};
