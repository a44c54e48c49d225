/** Above the template's monthly cost threshold, someone with more authority must approve too. */
import { formatUsd, formatUsdExact } from "../money";
import { whoMustApprove } from "../stages";
import { nothing, type Rule } from "./types";

export const costThreshold: Rule = ({ policy, cost }) => {
  const rule = policy.costApproval;
  // "above": a request costing exactly the threshold needs no extra approval.
  if (!rule || cost.monthlyCents <= rule.aboveMonthlyUsd * 100) return nothing;
  const threshold = formatUsd(rule.aboveMonthlyUsd * 100);
  // Just over the threshold, whole dollars would print the threshold itself as the estimate.
  const estimate = formatUsd(cost.monthlyCents) === threshold ? formatUsdExact(cost.monthlyCents) : formatUsd(cost.monthlyCents);
  const over = `over the ${threshold}/month threshold`;
  return {
    reasons: [
      {
        rule: "cost_threshold",
        effect: "require_approval",
        message: `${over}: ${whoMustApprove(rule.from, rule.count)} (estimated ${estimate}/month)`,
      },
    ],
    stages: [{ role: rule.from, count: rule.count, reason: over }],
  };
};
