/**
 * Extending a live environment's TTL is a request of its own, through the same policy: an
 * extension that keeps the environment's whole lifetime within its tier's maximum TTL is
 * approved at once; beyond the maximum it is an exception a team approver must approve, up to
 * a ceiling of EXTENSION_CEILING times the maximum, beyond which it is denied (ask for a new
 * environment instead). The budget rule applies as for any request, to what the extra hours
 * cost this month. Pure, like evaluatePolicy: the caller passes the clock's figures in.
 */
import { formatHours } from "./money";
import { budget, budgetFigures } from "./rules/budget";
import { quotaUsage } from "./rules/quotas";
import type { RuleResult } from "./rules/types";
import { mergeStages } from "./stages";
import { assertWholeNumbers, separationOfDuties } from "./evaluate";
import type { PolicyDecision, PolicyInput, PolicyReason, RuleEffect } from "./types";

/** The longest lifetime an approver may grant, as a multiple of the tier's maximum TTL. */
export const EXTENSION_CEILING = 3;

export type ExtensionPolicyInput = PolicyInput & {
  /** The tier's maximum TTL, in hours. */
  maxTtlHours: number;
  /** The environment's whole lifetime if extended: from its first apply (server/core/lifetime.ts) to the new expiry, in hours. */
  lifetimeHoursAfter: number;
};

export function ttlExtension({ tier, cost, maxTtlHours, lifetimeHoursAfter }: ExtensionPolicyInput): RuleResult {
  const added = formatHours(cost.ttlHours);
  if (cost.ttlHours < 1)
    return { reasons: [{ rule: "ttl_extension", effect: "deny", message: "an extension must add at least 1 hour — denied" }], stages: [] };
  const lifetime = formatHours(lifetimeHoursAfter);
  const max = formatHours(maxTtlHours);
  if (lifetimeHoursAfter <= maxTtlHours) {
    return {
      reasons: [
        {
          rule: "ttl_extension",
          effect: "allow",
          message: `+${added} keeps the lifetime at ${lifetime}, within the ${tier} tier's maximum of ${max}: auto-approved`,
        },
      ],
      stages: [],
    };
  }
  const ceiling = maxTtlHours * EXTENSION_CEILING;
  if (lifetimeHoursAfter > ceiling) {
    return {
      reasons: [
        {
          rule: "ttl_extension",
          effect: "deny",
          message: `+${added} would make the lifetime ${lifetime}, over ${EXTENSION_CEILING}× the ${tier} tier's maximum of ${max} (${formatHours(ceiling)}) — denied: request a new environment instead`,
        },
      ],
      stages: [],
    };
  }
  return {
    reasons: [
      {
        rule: "ttl_extension",
        effect: "require_approval",
        message: `+${added} would make the lifetime ${lifetime}, over the ${tier} tier's maximum of ${max}: a team approver must approve the exception`,
      },
    ],
    stages: [{ role: "team_approver", count: 1, reason: `lifetime over the ${tier} tier's maximum TTL` }],
  };
}

const effectOrder: Record<RuleEffect, number> = { deny: 0, require_approval: 1, allow: 2 };

export function evaluateExtension(input: ExtensionPolicyInput): PolicyDecision {
  assertWholeNumbers(input);
  const results = [ttlExtension(input), budget(input)];
  const reasons: PolicyReason[] = results.flatMap((r) => r.reasons);
  const stages = mergeStages(
    [],
    results.flatMap((r) => r.stages),
  );
  const denied = reasons.some((r) => r.effect === "deny");
  if (!denied) reasons.push(...separationOfDuties(input, stages));
  return {
    outcome: denied ? "denied" : stages.length > 0 ? "needs_approval" : "auto_approved",
    stages: denied ? [] : stages,
    reasons: reasons.sort((a, b) => effectOrder[a.effect] - effectOrder[b.effect]),
    budget: budgetFigures(input),
    quotas: quotaUsage(input),
  };
}
