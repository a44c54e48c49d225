/** The policy engine: guardrails and approval rules for requests (see evaluate.ts and approvals.ts). */
export { afterParametersChanged, approvalState, canApprove, canReject } from "./approvals";
export type { ApprovalRecord, ApprovalState, Approver, DecideInput, DecideResult } from "./approvals";
export { evaluatePolicy, policyRules } from "./evaluate";
export { formatHours, formatUsd, formatUsdExact, formatUsdPair } from "./money";
export { hoursLeftInMonth, monthShareCents } from "./month-share";
export { offeredTiers } from "./rules/tier";
export { describeStage, describeStages } from "./stages";
export * from "./types";
export { EXTENSION_CEILING, evaluateExtension } from "./extension";
export { evaluateUpdate, type UpdatePolicyInput } from "./update";
