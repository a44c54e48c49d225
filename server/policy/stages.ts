/** Approval stages: how they read, and how stages added by different rules combine. */
import { plural } from "./money";
import type { ApprovalStage, ApproverRole } from "./types";

const roleNoun: Record<ApproverRole, { one: string; many: string }> = {
  team_approver: { one: "a team approver", many: "team approvers" },
  admin: { one: "an admin", many: "admins" },
};

/** "2 approvals from team approvers", "1 approval from an admin". */
export function describeStage({ role, count }: { role: ApproverRole; count: number }): string {
  return `${plural(count, "approval")} from ${count === 1 ? roleNoun[role].one : roleNoun[role].many}`;
}

/** "1 approval from a team approver, then 1 approval from an admin". */
export function describeStages(stages: readonly { role: ApproverRole; count: number }[]): string {
  return stages.map(describeStage).join(", then ");
}

/** "an admin must approve", "2 team approvers must approve". */
export function whoMustApprove(role: ApproverRole, count: number): string {
  return `${count === 1 ? roleNoun[role].one : `${count} ${roleNoun[role].many}`} must approve`;
}

/**
 * The template's tier stages, in order, followed by the stages other rules add (cost
 * threshold, soft budget). An added stage that asks a role some stage already asks is merged
 * into the first such stage, taking the larger count and both reasons: an admin stage for the
 * cost and another for the budget mean "an admin must look at this", not "two admins"; the
 * approver sees every reason on the one stage. Stages the template itself lists are kept as
 * written, since an author who staged the same role twice meant it.
 */
export function mergeStages(tierStages: readonly ApprovalStage[], addedStages: readonly ApprovalStage[]): ApprovalStage[] {
  const merged = tierStages.map((s) => ({ ...s }));
  for (const added of addedStages) {
    const same = merged.find((s) => s.role === added.role);
    if (!same) {
      merged.push({ ...added });
      continue;
    }
    same.count = Math.max(same.count, added.count);
    if (!same.reason.split("; ").includes(added.reason)) same.reason = `${same.reason}; ${added.reason}`;
  }
  return merged;
}
