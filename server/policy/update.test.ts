import { describe, expect, it } from "vitest";
import type { PolicySpec } from "~/server/templates/format";
import { evaluateUpdate, type UpdatePolicyInput } from "./update";

const policy = {
  ttl: { dev: { default: "3d", max: "14d" }, staging: { default: "14d", max: "60d" }, prod: { default: "365d", max: "730d" } },
  approvals: { dev: [], staging: [{ from: "team_approver", count: 1 }], prod: [{ from: "team_approver", count: 2 }] },
  costApproval: { aboveMonthlyUsd: 500, from: "admin", count: 1 },
  tags: {},
  requiredTags: [],
  onFailure: "cleanup",
} as PolicySpec;

function input(overrides: Partial<UpdatePolicyInput> = {}): UpdatePolicyInput {
  return {
    policy,
    tier: "staging",
    cost: { monthlyCents: 10_000, overTtlCents: 1_000, ttlHours: 100, monthShareCents: 500 },
    usage: { vcpus: 2, instances: 1, gpus: 0 },
    team: {
      monthlyBudgetCents: 1_000_000,
      budgetMode: "hard",
      spentThisMonthCents: 0,
      committedCents: 0,
      quotas: { vcpus: null, instances: null, gpus: null },
      quotaUsed: { vcpus: 0, instances: 0, gpus: 0 },
    },
    requester: { id: "u1", teamRole: "member", globalRole: null },
    change: { lowersOnly: false, rollback: false },
    ...overrides,
  };
}

describe("update policy", () => {
  it("asks for the same stages as a create by default", () => {
    expect(evaluateUpdate(input()).stages).toEqual([{ role: "team_approver", count: 1, reason: "staging tier" }]);
    expect(evaluateUpdate(input({ tier: "prod" })).stages).toEqual([{ role: "team_approver", count: 2, reason: "prod tier" }]);
    expect(evaluateUpdate(input({ tier: "dev" })).outcome).toBe("auto_approved");
  });

  it("uses the template's update stages per tier when it has them", () => {
    const own = { ...policy, updates: { approvals: { staging: [{ from: "admin" as const, count: 1 }] }, autoApplyDecreases: [] } };
    expect(evaluateUpdate(input({ policy: own })).stages).toEqual([{ role: "admin", count: 1, reason: "staging tier" }]);
    expect(evaluateUpdate(input({ policy: own, tier: "prod" })).stages[0]?.count).toBe(2);
  });

  it("auto-applies a change that only lowers cost and size where the policy lists the tier, and only there", () => {
    const own = { ...policy, updates: { autoApplyDecreases: ["staging" as const] } };
    const lower = { lowersOnly: true, rollback: false };
    expect(evaluateUpdate(input({ policy: own, change: lower })).outcome).toBe("auto_approved");
    expect(evaluateUpdate(input({ policy: own, change: lower, tier: "prod" })).outcome).toBe("needs_approval");
    expect(evaluateUpdate(input({ policy: own })).outcome).toBe("needs_approval");
    expect(evaluateUpdate(input({ change: lower })).outcome).toBe("needs_approval");
  });

  it("counts the cost threshold on the cost after the change, unless the change lowers it", () => {
    const expensive = { monthlyCents: 60_000, overTtlCents: 0, ttlHours: 100, monthShareCents: 0 };
    expect(evaluateUpdate(input({ cost: expensive })).stages.some((s) => s.role === "admin")).toBe(true);
    expect(evaluateUpdate(input({ cost: expensive, change: { lowersOnly: true, rollback: false } })).stages.some((s) => s.role === "admin")).toBe(
      false,
    );
  });

  it("denies what the budget cannot hold and keeps separation of duties", () => {
    const broke = { ...input().team, monthlyBudgetCents: 100 };
    expect(evaluateUpdate(input({ team: broke })).outcome).toBe("denied");
    const approver = evaluateUpdate(input({ requester: { id: "u1", teamRole: "approver", globalRole: null } }));
    expect(approver.reasons.some((r) => r.rule === "separation_of_duties")).toBe(true);
  });
});
