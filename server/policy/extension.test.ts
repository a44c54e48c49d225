import { describe, expect, it } from "vitest";
import type { PolicySpec } from "~/server/templates/format";
import { evaluateExtension, type ExtensionPolicyInput } from "./extension";

const policy: PolicySpec = {
  ttl: { dev: { default: "1d", max: "3d" } },
  approvals: { dev: [] },
  tags: {},
  requiredTags: [],
  onFailure: "cleanup",
};

/** A dev environment (max 3 days) living 24 h, extended by 24 h at $0.10/hour; the team has $50 left. */
function input(tweak: (i: ExtensionPolicyInput) => void = () => undefined): ExtensionPolicyInput {
  const i: ExtensionPolicyInput = {
    policy: structuredClone(policy),
    tier: "dev",
    cost: { monthlyCents: 7_300, overTtlCents: 240, ttlHours: 24, monthShareCents: 240 },
    usage: { vcpus: 0, instances: 0, gpus: 0 },
    team: {
      monthlyBudgetCents: 10_000,
      budgetMode: "hard",
      spentThisMonthCents: 4_000,
      committedCents: 1_000,
      quotas: { vcpus: null, instances: null, gpus: null },
      quotaUsed: { vcpus: 0, instances: 0, gpus: 0 },
    },
    requester: { id: "owner", teamRole: "member", globalRole: null },
    maxTtlHours: 72,
    lifetimeHoursAfter: 48,
  };
  tweak(i);
  return i;
}

describe("evaluateExtension", () => {
  it.each([
    ["exactly at the maximum", 72, "auto_approved"],
    ["one hour over the maximum", 73, "needs_approval"],
    ["exactly at the ceiling (3× the maximum)", 216, "needs_approval"],
    ["one hour over the ceiling", 217, "denied"],
  ] as const)("%s: %s", (_label, lifetimeHoursAfter, outcome) => {
    const decision = evaluateExtension(input((i) => (i.lifetimeHoursAfter = lifetimeHoursAfter)));
    expect(decision.outcome).toBe(outcome);
    if (outcome === "needs_approval")
      expect(decision.stages).toEqual([{ role: "team_approver", count: 1, reason: "lifetime over the dev tier's maximum TTL" }]);
    if (outcome === "denied") expect(decision.stages).toEqual([]);
  });

  it("explains each outcome in words", () => {
    expect(evaluateExtension(input()).reasons.map((r) => r.message)).toEqual([
      "+1 day keeps the lifetime at 2 days, within the dev tier's maximum of 3 days: auto-approved",
      "within budget: this request needs $2.40 of $50 left this month",
    ]);
    expect(evaluateExtension(input((i) => (i.lifetimeHoursAfter = 100))).reasons[0]?.message).toBe(
      "+1 day would make the lifetime 100 hours, over the dev tier's maximum of 3 days: a team approver must approve the exception",
    );
  });

  it("applies the team's budget: hard denies, soft asks an admin too", () => {
    const over = (mode: "hard" | "soft") => input((i) => ((i.team.budgetMode = mode), (i.team.spentThisMonthCents = 8_900)));
    expect(evaluateExtension(over("hard")).outcome).toBe("denied");
    const soft = evaluateExtension(over("soft"));
    expect(soft.outcome).toBe("needs_approval");
    expect(soft.stages.map((s) => s.role)).toEqual(["admin"]);
  });

  it("tells an approver extending beyond the maximum that someone else must approve", () => {
    const decision = evaluateExtension(input((i) => ((i.lifetimeHoursAfter = 100), (i.requester.teamRole = "approver"))));
    expect(decision.reasons.map((r) => r.rule)).toContain("separation_of_duties");
  });

  it("refuses less than an hour", () => {
    expect(evaluateExtension(input((i) => (i.cost.ttlHours = 0))).outcome).toBe("denied");
  });
});
