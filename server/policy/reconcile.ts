/**
 * Reconcile requests (issue 13): putting a drifted environment back costs nothing new, so only
 * the tier's approval stages apply (the same as creating one in that tier), with separation of
 * duties; a template may let a tier reconcile automatically (`policy.drift.autoReconcile`).
 */
import { autoReconciles } from "~/server/templates/drift-policy";
import type { PolicySpec, Tier } from "~/server/templates/format";
import { separationOfDuties } from "./evaluate";
import { describeStages } from "./stages";
import type { PolicyDecision, PolicyInput, PolicyReason, Requester } from "./types";

const none = { limit: null, used: 0, requested: 0, remainingAfter: null };

export function evaluateReconcile(input: { policy: PolicySpec; tier: Tier; requester: Requester }): PolicyDecision {
  const { policy, tier, requester } = input;
  const tierStages = policy.approvals[tier] ?? [];
  const stages = autoReconciles(policy, tier) ? [] : tierStages.map((s) => ({ role: s.from, count: s.count, reason: `${tier} tier` }));
  const reasons: PolicyReason[] = stages.length
    ? [{ rule: "tier_approvals", effect: "require_approval", message: `${tier} tier: ${describeStages(stages)}` }]
    : [{ rule: "tier_approvals", effect: "allow", message: `${tier} tier: reconciled without approval` }];
  reasons.unshift(...separationOfDuties({ requester } as PolicyInput, stages));
  return {
    outcome: stages.length ? "needs_approval" : "auto_approved",
    stages,
    reasons,
    budget: { mode: "soft", limitCents: 0, spentCents: 0, committedCents: 0, thisRequestCents: 0, remainingAfterCents: 0 },
    quotas: { vcpus: none, instances: none, gpus: none },
  };
}
