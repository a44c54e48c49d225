/** Team quotas on vCPUs, instances and GPUs: what the team holds plus this request must fit. */
import { quotaKinds, type PolicyInput, type QuotaKind, type QuotaUsage } from "../types";
import { type Rule } from "./types";

const quotaLabel: Record<QuotaKind, string> = { vcpus: "vCPU", instances: "instance", gpus: "GPU" };

export function quotaUsage({ team, usage }: PolicyInput): Record<QuotaKind, QuotaUsage> {
  const entry = (kind: QuotaKind): QuotaUsage => {
    const limit = team.quotas[kind];
    const used = team.quotaUsed[kind];
    const requested = usage[kind];
    return { limit, used, requested, remainingAfter: limit === null ? null : limit - used - requested };
  };
  return { vcpus: entry("vcpus"), instances: entry("instances"), gpus: entry("gpus") };
}

export const quotas: Rule = (input) => {
  const usage = quotaUsage(input);
  const reasons = quotaKinds.flatMap((kind) => {
    const q = usage[kind];
    // Asking for none of a kind never breaks its quota, even when the team is already over it.
    if (q.limit === null || q.remainingAfter === null || q.remainingAfter >= 0 || q.requested === 0) return [];
    const message = `${quotaLabel[kind]} quota exceeded: ${q.used} in use + ${q.requested} requested = ${q.used + q.requested}, over the team's limit of ${q.limit} — denied`;
    return [{ rule: "quota" as const, effect: "deny" as const, message }];
  });
  return { reasons, stages: [] };
};
