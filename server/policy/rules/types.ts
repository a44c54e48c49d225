import type { ApprovalStage, PolicyInput, PolicyReason } from "../types";

/** What one rule contributes: its reasons and, for approval rules, the stages it asks for. */
export type RuleResult = { reasons: PolicyReason[]; stages: ApprovalStage[] };

export type Rule = (input: PolicyInput) => RuleResult;

export const nothing: RuleResult = { reasons: [], stages: [] };
