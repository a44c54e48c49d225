/** The tier must be one the template offers; its TTL must fit; its approval stages apply. */
import { durationHours, tiers, type PolicySpec, type Tier } from "~/server/templates/format";
import { formatHours } from "../money";
import { describeStages } from "../stages";
import { nothing, type Rule } from "./types";

/** The template offers a tier when its policy has both a TTL and approval rules for it (validate.ts checks they match spec.tiers). */
export function offeredTiers(policy: PolicySpec): Tier[] {
  return tiers.filter((t) => policy.ttl[t] !== undefined && policy.approvals[t] !== undefined);
}

export const tierOffered: Rule = ({ policy, tier }) => {
  const offered = offeredTiers(policy);
  if (offered.includes(tier)) return nothing;
  const alternatives = offered.length > 0 ? ` (it offers ${offered.join(", ")})` : "";
  return {
    reasons: [{ rule: "tier_offered", effect: "deny", message: `this template does not offer the ${tier} tier${alternatives} — denied` }],
    stages: [],
  };
};

export const ttlWithinMax: Rule = ({ policy, tier, cost }) => {
  const ttl = policy.ttl[tier];
  if (!ttl) return nothing; // tierOffered explains it
  if (cost.ttlHours < 1) return { reasons: [{ rule: "ttl_max", effect: "deny", message: "TTL must be at least 1 hour — denied" }], stages: [] };
  const max = durationHours(ttl.max);
  if (cost.ttlHours <= max) return nothing;
  return {
    reasons: [
      {
        rule: "ttl_max",
        effect: "deny",
        message: `TTL of ${formatHours(cost.ttlHours)} is over the ${tier} tier's maximum of ${formatHours(max)} — denied`,
      },
    ],
    stages: [],
  };
};

export const tierApprovals: Rule = ({ policy, tier }) => {
  const stages = policy.approvals[tier];
  if (!stages) return nothing; // tierOffered explains it
  if (stages.length === 0) return { reasons: [{ rule: "tier_approvals", effect: "allow", message: `${tier} tier: auto-approved` }], stages: [] };
  const asked = stages.map((s) => ({ role: s.from, count: s.count, reason: `${tier} tier` }));
  return { reasons: [{ rule: "tier_approvals", effect: "require_approval", message: `${tier} tier: ${describeStages(asked)}` }], stages: asked };
};
