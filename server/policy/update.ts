/**
 * A change to a live environment goes through the same policy engine as a create, with the
 * template's update rules in place of its create approvals: per tier the stages of
 * `policy.updates.approvals` (absent: the create's), none where `autoApplyDecreases` lists the
 * tier and the change only lowers cost and size. Budget and quotas count what the change ADDS
 * (a cheaper change adds nothing), the cost threshold the monthly cost after the change.
 * Separation of duties holds as for any request. Pure, like evaluatePolicy.
 */
import { evaluatePolicy } from "./evaluate";
import type { PolicyDecision, PolicyInput, PolicyReason } from "./types";

export type UpdatePolicyInput = PolicyInput & {
  change: {
    /** No resource created or replaced, and neither the monthly cost nor any quota usage goes up. */
    lowersOnly: boolean;
    /** An explicit rollback to an older version (the service checks the requester may). */
    rollback: boolean;
  };
};

export function evaluateUpdate(input: UpdatePolicyInput): PolicyDecision {
  const { policy, tier, change } = input;
  const autoApply = change.lowersOnly && (policy.updates?.autoApplyDecreases ?? []).includes(tier);
  const stages = autoApply ? [] : (policy.updates?.approvals?.[tier] ?? policy.approvals[tier]);
  const decision = evaluatePolicy({
    ...input,
    policy: {
      ...policy,
      // The tier's create stages are replaced by its update stages (same shape, same rule).
      approvals: policy.approvals[tier] === undefined ? policy.approvals : { ...policy.approvals, [tier]: stages },
      // A change that lowers the cost needs no approval for what it costs.
      costApproval: change.lowersOnly ? undefined : policy.costApproval,
    },
  });
  const notes: PolicyReason[] = [];
  if (autoApply)
    notes.push({
      rule: "update_change",
      effect: "allow",
      message: `the change only lowers cost and size: applied without approval in the ${tier} tier`,
    });
  if (change.rollback)
    notes.push({ rule: "update_change", effect: "allow", message: "an explicit rollback to an older version, asked by an approver" });
  return { ...decision, reasons: [...decision.reasons, ...notes] };
}
