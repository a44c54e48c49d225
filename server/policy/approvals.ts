/**
 * Approval progress and separation of duties. The decision's stages say who must approve;
 * this module replays the recorded decisions against them (approvalState) and says whether
 * someone may decide next (canApprove, canReject). The rules:
 *
 * - No one decides on their own request, whatever their roles.
 * - One person, one decision per request: two approvals always mean two people, across stages
 *   too, so an admin who approved the team-approver stage cannot also fill the admin stage.
 * - Stages complete in order; an approval always goes to the current stage.
 * - A team_approver stage is filled by an approver of the request's team or by an admin (admins
 *   stand in, so a team whose only approver is the requester is not stuck); an admin stage only
 *   by an admin.
 * - One rejection ends the request; nothing is decided after a rejection or full approval.
 *
 * approvalState applies the same rules when replaying, so a decision recorded against them
 * (by a bug or a race) never counts.
 */
import { isAdmin, isAuditor } from "~/server/access/rules";
import { describeStage } from "./stages";
import type { ApprovalStage, ApproverRole, GlobalRole, TeamRole } from "./types";

export type ApprovalRecord = {
  approverId: string;
  /** The capacity they decided in. */
  role: ApproverRole;
  decidedAt: Date;
  decision: "approved" | "rejected";
};

/** `teamRole` is the approver's role in the request's team, not in any team. */
export type Approver = { id: string; teamRole: TeamRole | null; globalRole: GlobalRole | null };

export type ApprovalState = {
  /** Every stage has all its approvals (true at once when there are no stages). */
  complete: boolean;
  rejected: boolean;
  /** Index of the stage waiting for approvals; null when complete or rejected. */
  currentStage: number | null;
  /** Approvals still needed, per stage. */
  remaining: number[];
  /** Who approved, per stage, in order. */
  approvedBy: string[][];
  rejectedBy: string | null;
};

export type DecideInput = { stages: readonly ApprovalStage[]; approvals: readonly ApprovalRecord[]; requesterId: string; approver: Approver };
export type DecideResult = { ok: true; stageIndex: number; capacity: ApproverRole } | { ok: false; reason: string };

/** Whether a decision in `capacity` can fill a stage asking for `role`. */
function fills(capacity: ApproverRole, role: ApproverRole): boolean {
  return role === "team_approver" || capacity === "admin";
}

export function approvalState(stages: readonly ApprovalStage[], approvals: readonly ApprovalRecord[], requesterId: string): ApprovalState {
  const remaining = stages.map((s) => s.count);
  const approvedBy = stages.map((): string[] => []);
  const decided = new Set<string>();
  let rejectedBy: string | null = null;
  // Stable sort: decisions at the same instant keep the order they were recorded in.
  const chronological = [...approvals].sort((a, b) => a.decidedAt.getTime() - b.decidedAt.getTime());
  for (const a of chronological) {
    const current = remaining.findIndex((n) => n > 0);
    const stage = stages[current];
    if (!stage) break;
    if (a.approverId === requesterId || decided.has(a.approverId) || !fills(a.role, stage.role)) continue;
    decided.add(a.approverId);
    if (a.decision === "rejected") {
      rejectedBy = a.approverId;
      break;
    }
    remaining[current] = (remaining[current] ?? 0) - 1;
    approvedBy[current]?.push(a.approverId);
  }
  const rejected = rejectedBy !== null;
  const current = remaining.findIndex((n) => n > 0);
  return {
    complete: !rejected && current === -1,
    rejected,
    currentStage: rejected || current === -1 ? null : current,
    remaining,
    approvedBy,
    rejectedBy,
  };
}

/** The capacity `approver` would fill a stage asking for `role` in, or null if they cannot. A team approver who is also an admin acts as team approver where that suffices. */
function capacityFor(approver: Approver, role: ApproverRole): ApproverRole | null {
  if (role === "team_approver" && approver.teamRole === "approver") return "team_approver";
  return isAdmin(approver) ? "admin" : null;
}

function decide(input: DecideInput, verb: "approve" | "reject"): DecideResult {
  const { stages, approvals, requesterId, approver } = input;
  if (approver.id === requesterId) return { ok: false, reason: `you cannot ${verb} your own request` };
  const state = approvalState(stages, approvals, requesterId);
  if (state.rejected) return { ok: false, reason: "this request was already rejected" };
  if (state.complete || state.currentStage === null) {
    return { ok: false, reason: stages.length === 0 ? "this request needs no approval" : "this request is already fully approved" };
  }
  if (approvals.some((a) => a.approverId === approver.id)) {
    return { ok: false, reason: "you have already decided on this request: each approval must come from a different person" };
  }
  const index = state.currentStage;
  const stage = stages[index];
  if (!stage) return { ok: false, reason: "this request is already fully approved" };
  const capacity = capacityFor(approver, stage.role);
  if (capacity) return { ok: true, stageIndex: index, capacity };
  const position = `stage ${index + 1} of ${stages.length}`;
  const later = stages.findIndex((s, i) => i > index && capacityFor(approver, s.role) !== null);
  if (later !== -1) {
    const needs = describeStage({ role: stage.role, count: state.remaining[index] ?? stage.count });
    return { ok: false, reason: `${position} must be complete before stage ${later + 1}: it still needs ${needs}` };
  }
  if (isAuditor(approver) && approver.teamRole !== "approver") return { ok: false, reason: `auditors can read requests but cannot ${verb} them` };
  const who = stage.role === "admin" ? "an admin" : "a team approver of this team or an admin";
  return { ok: false, reason: `only ${who} can ${verb} at ${position} (${stage.reason})` };
}

/** Whether `approver` may approve now, and for which stage in which capacity. */
export function canApprove(input: DecideInput): DecideResult {
  return decide(input, "approve");
}

/** Rejecting takes the same standing as approving: someone who could fill the current stage. */
export function canReject(input: DecideInput): DecideResult {
  return decide(input, "reject");
}

/**
 * After a request's parameters change, no earlier decision stands: an approval was given for
 * what the approver saw. All are cleared; the caller re-evaluates the policy (cost, budget and
 * stages may have changed) and asks again. `reason` is null when nothing had been approved.
 */
export function afterParametersChanged(approvals: readonly ApprovalRecord[]): {
  keep: ApprovalRecord[];
  cleared: ApprovalRecord[];
  reason: string | null;
} {
  const hadApproval = approvals.some((a) => a.decision === "approved");
  return {
    keep: [],
    cleared: [...approvals],
    reason: hadApproval ? "parameters changed after approval: approvals cleared, re-approval required" : null,
  };
}
