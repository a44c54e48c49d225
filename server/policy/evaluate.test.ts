import { describe, expect, it } from "vitest";
import type { PolicySpec } from "~/server/templates/format";
import { evaluatePolicy } from "./evaluate";
import type { PolicyDecision, PolicyInput } from "./types";

const policy: PolicySpec = {
  ttl: { dev: { default: "1d", max: "3d" }, staging: { default: "3d", max: "7d" }, prod: { default: "7d", max: "30d" } },
  approvals: { dev: [], staging: [{ from: "team_approver", count: 1 }], prod: [{ from: "team_approver", count: 2 }] },
  costApproval: { aboveMonthlyUsd: 500, from: "admin", count: 1 },
  tags: {},
  requiredTags: [],
  onFailure: "cleanup",
};

/** A dev request of $100/month ($3.30 this month) by a plain member; the team has $3,500 of $5,000 left. */
function baseInput(): PolicyInput {
  return {
    policy: structuredClone(policy),
    tier: "dev",
    cost: { monthlyCents: 10_000, overTtlCents: 330, ttlHours: 24, monthShareCents: 330 },
    usage: { vcpus: 2, instances: 1, gpus: 0 },
    team: {
      monthlyBudgetCents: 500_000,
      budgetMode: "hard",
      spentThisMonthCents: 100_000,
      committedCents: 50_000,
      quotas: { vcpus: 32, instances: 10, gpus: 2 },
      quotaUsed: { vcpus: 8, instances: 3, gpus: 0 },
    },
    requester: { id: "requester", teamRole: "member", globalRole: null },
  };
}

function evaluate(tweak: (input: PolicyInput) => void = () => undefined): PolicyDecision {
  const input = baseInput();
  tweak(input);
  return evaluatePolicy(input);
}

const withinBudget = ["budget", "allow", "within budget: this request needs $3.30 of $3,500 left this month"] as const;
const devAuto = ["tier_approvals", "allow", "dev tier: auto-approved"] as const;
const prodTwo = ["tier_approvals", "require_approval", "prod tier: 2 approvals from team approvers"] as const;
const overThreshold = ["cost_threshold", "require_approval", "over the $500/month threshold: an admin must approve (estimated $600/month)"] as const;
const overBudget = (share: string, effect: "deny" | "require_approval") =>
  [
    "budget",
    effect,
    `exceeds remaining budget: $3,500 left of $5,000, this request needs ${share} — ${effect === "deny" ? "denied" : "soft limit: an admin must approve"}`,
  ] as const;
const ownRequest = [
  "separation_of_duties",
  "require_approval",
  "you cannot approve your own request: the approvals must come from other people",
] as const;

type Case = {
  name: string;
  tweak: (input: PolicyInput) => void;
  outcome: PolicyDecision["outcome"];
  stages: [role: string, count: number, reason: string][];
  reasons: (readonly [rule: string, effect: string, message: string])[];
};

const cases: Case[] = [
  // Tier approvals
  { name: "dev tier is auto-approved", tweak: () => undefined, outcome: "auto_approved", stages: [], reasons: [devAuto, withinBudget] },
  {
    name: "staging tier needs one team approver",
    tweak: (i) => (i.tier = "staging"),
    outcome: "needs_approval",
    stages: [["team_approver", 1, "staging tier"]],
    reasons: [["tier_approvals", "require_approval", "staging tier: 1 approval from a team approver"], withinBudget],
  },
  {
    name: "prod tier needs two team approvers",
    tweak: (i) => (i.tier = "prod"),
    outcome: "needs_approval",
    stages: [["team_approver", 2, "prod tier"]],
    reasons: [prodTwo, withinBudget],
  },
  {
    name: "a template's own stages stay in order, even for the same role twice",
    tweak: (i) => {
      i.tier = "prod";
      i.policy.approvals.prod = [
        { from: "team_approver", count: 1 },
        { from: "admin", count: 1 },
        { from: "team_approver", count: 1 },
      ];
    },
    outcome: "needs_approval",
    stages: [
      ["team_approver", 1, "prod tier"],
      ["admin", 1, "prod tier"],
      ["team_approver", 1, "prod tier"],
    ],
    reasons: [
      [
        "tier_approvals",
        "require_approval",
        "prod tier: 1 approval from a team approver, then 1 approval from an admin, then 1 approval from a team approver",
      ],
      withinBudget,
    ],
  },

  // Cost threshold
  {
    name: "over the cost threshold adds an admin stage",
    tweak: (i) => (i.cost.monthlyCents = 60_000),
    outcome: "needs_approval",
    stages: [["admin", 1, "over the $500/month threshold"]],
    reasons: [overThreshold, devAuto, withinBudget],
  },
  {
    name: "exactly at the cost threshold needs no extra approval",
    tweak: (i) => (i.cost.monthlyCents = 50_000),
    outcome: "auto_approved",
    stages: [],
    reasons: [devAuto, withinBudget],
  },
  {
    name: "one cent over the cost threshold needs it",
    tweak: (i) => (i.cost.monthlyCents = 50_001),
    outcome: "needs_approval",
    stages: [["admin", 1, "over the $500/month threshold"]],
    reasons: [
      ["cost_threshold", "require_approval", "over the $500/month threshold: an admin must approve (estimated $500.01/month)"],
      devAuto,
      withinBudget,
    ],
  },
  {
    name: "prod over the threshold: team approvers first, then an admin",
    tweak: (i) => {
      i.tier = "prod";
      i.cost.monthlyCents = 60_000;
    },
    outcome: "needs_approval",
    stages: [
      ["team_approver", 2, "prod tier"],
      ["admin", 1, "over the $500/month threshold"],
    ],
    reasons: [prodTwo, overThreshold, withinBudget],
  },
  {
    name: "a cost stage asking a role the tier already asks merges into it, keeping the larger count",
    tweak: (i) => {
      i.tier = "prod";
      i.cost.monthlyCents = 60_000;
      i.policy.costApproval = { aboveMonthlyUsd: 500, from: "team_approver", count: 3 };
    },
    outcome: "needs_approval",
    stages: [["team_approver", 3, "prod tier; over the $500/month threshold"]],
    reasons: [
      prodTwo,
      ["cost_threshold", "require_approval", "over the $500/month threshold: 3 team approvers must approve (estimated $600/month)"],
      withinBudget,
    ],
  },
  {
    name: "no cost rule in the template: no threshold",
    tweak: (i) => {
      i.cost.monthlyCents = 10_000_000;
      delete i.policy.costApproval;
    },
    outcome: "auto_approved",
    stages: [],
    reasons: [devAuto, withinBudget],
  },

  // Budget
  {
    name: "soft budget: over the remaining budget adds an admin stage",
    tweak: (i) => {
      i.team.budgetMode = "soft";
      i.cost.monthShareCents = 360_000;
    },
    outcome: "needs_approval",
    stages: [["admin", 1, "over the remaining budget (soft limit)"]],
    reasons: [overBudget("$3,600", "require_approval"), devAuto],
  },
  {
    name: "soft budget and cost threshold share one admin stage with both reasons",
    tweak: (i) => {
      i.team.budgetMode = "soft";
      i.cost.monthShareCents = 360_000;
      i.cost.monthlyCents = 60_000;
    },
    outcome: "needs_approval",
    stages: [["admin", 1, "over the $500/month threshold; over the remaining budget (soft limit)"]],
    reasons: [overThreshold, overBudget("$3,600", "require_approval"), devAuto],
  },
  {
    name: "hard budget: over the remaining budget is denied",
    tweak: (i) => (i.cost.monthShareCents = 360_000),
    outcome: "denied",
    stages: [],
    reasons: [overBudget("$3,600", "deny"), devAuto],
  },
  {
    name: "exactly the remaining budget fits",
    tweak: (i) => (i.cost.monthShareCents = 350_000),
    outcome: "auto_approved",
    stages: [],
    reasons: [devAuto, ["budget", "allow", "within budget: this request needs $3,500 of $3,500 left this month"]],
  },
  {
    name: "one cent over the remaining budget is denied, with cents so the figures differ",
    tweak: (i) => (i.cost.monthShareCents = 350_001),
    outcome: "denied",
    stages: [],
    reasons: [["budget", "deny", "exceeds remaining budget: $3,500.00 left of $5,000, this request needs $3,500.01 — denied"], devAuto],
  },
  {
    name: "a team already over budget reads $0 left",
    tweak: (i) => (i.team.spentThisMonthCents = 520_000),
    outcome: "denied",
    stages: [],
    reasons: [["budget", "deny", "exceeds remaining budget: $0 left of $5,000, this request needs $3.30 — denied"], devAuto],
  },
  {
    name: "a request that costs nothing this month passes even when the team is over budget",
    tweak: (i) => {
      i.team.spentThisMonthCents = 520_000;
      i.cost.monthShareCents = 0;
    },
    outcome: "auto_approved",
    stages: [],
    reasons: [devAuto, ["budget", "allow", "within budget: this request needs $0 of $0 left this month"]],
  },

  // Quotas
  {
    name: "vCPU quota exceeded is denied",
    tweak: (i) => (i.usage.vcpus = 30),
    outcome: "denied",
    stages: [],
    reasons: [["quota", "deny", "vCPU quota exceeded: 8 in use + 30 requested = 38, over the team's limit of 32 — denied"], devAuto, withinBudget],
  },
  {
    name: "instance quota exceeded is denied",
    tweak: (i) => (i.usage.instances = 8),
    outcome: "denied",
    stages: [],
    reasons: [["quota", "deny", "instance quota exceeded: 3 in use + 8 requested = 11, over the team's limit of 10 — denied"], devAuto, withinBudget],
  },
  {
    name: "GPU quota exceeded is denied",
    tweak: (i) => (i.usage.gpus = 3),
    outcome: "denied",
    stages: [],
    reasons: [["quota", "deny", "GPU quota exceeded: 0 in use + 3 requested = 3, over the team's limit of 2 — denied"], devAuto, withinBudget],
  },
  {
    name: "exactly at every quota fits",
    tweak: (i) => (i.usage = { vcpus: 24, instances: 7, gpus: 2 }),
    outcome: "auto_approved",
    stages: [],
    reasons: [devAuto, withinBudget],
  },
  {
    name: "a null quota is unlimited",
    tweak: (i) => {
      i.team.quotas = { vcpus: null, instances: null, gpus: null };
      i.usage = { vcpus: 10_000, instances: 500, gpus: 64 };
    },
    outcome: "auto_approved",
    stages: [],
    reasons: [devAuto, withinBudget],
  },
  {
    name: "asking for none of a kind passes even when the team is over that quota",
    tweak: (i) => (i.team.quotaUsed.gpus = 5),
    outcome: "auto_approved",
    stages: [],
    reasons: [devAuto, withinBudget],
  },
  {
    name: "every broken quota is named",
    tweak: (i) => (i.usage = { vcpus: 25, instances: 8, gpus: 3 }),
    outcome: "denied",
    stages: [],
    reasons: [
      ["quota", "deny", "vCPU quota exceeded: 8 in use + 25 requested = 33, over the team's limit of 32 — denied"],
      ["quota", "deny", "instance quota exceeded: 3 in use + 8 requested = 11, over the team's limit of 10 — denied"],
      ["quota", "deny", "GPU quota exceeded: 0 in use + 3 requested = 3, over the team's limit of 2 — denied"],
      devAuto,
      withinBudget,
    ],
  },

  // TTL and tier
  {
    name: "TTL over the tier's maximum is denied",
    tweak: (i) => (i.cost.ttlHours = 96),
    outcome: "denied",
    stages: [],
    reasons: [["ttl_max", "deny", "TTL of 4 days is over the dev tier's maximum of 3 days — denied"], devAuto, withinBudget],
  },
  {
    name: "TTL exactly at the maximum is allowed",
    tweak: (i) => (i.cost.ttlHours = 72),
    outcome: "auto_approved",
    stages: [],
    reasons: [devAuto, withinBudget],
  },
  {
    name: "TTL one hour over the maximum is denied",
    tweak: (i) => (i.cost.ttlHours = 73),
    outcome: "denied",
    stages: [],
    reasons: [["ttl_max", "deny", "TTL of 73 hours is over the dev tier's maximum of 3 days — denied"], devAuto, withinBudget],
  },
  {
    name: "a TTL of zero is denied",
    tweak: (i) => (i.cost.ttlHours = 0),
    outcome: "denied",
    stages: [],
    reasons: [["ttl_max", "deny", "TTL must be at least 1 hour — denied"], devAuto, withinBudget],
  },
  {
    name: "a tier the template does not offer is denied",
    tweak: (i) => {
      i.tier = "prod";
      delete i.policy.ttl.prod;
      delete i.policy.approvals.prod;
    },
    outcome: "denied",
    stages: [],
    reasons: [["tier_offered", "deny", "this template does not offer the prod tier (it offers dev, staging) — denied"], withinBudget],
  },
  {
    name: "a tier with approvals but no TTL is not offered",
    tweak: (i) => {
      i.tier = "staging";
      delete i.policy.ttl.staging;
    },
    outcome: "denied",
    stages: [],
    reasons: [
      ["tier_offered", "deny", "this template does not offer the staging tier (it offers dev, prod) — denied"],
      ["tier_approvals", "require_approval", "staging tier: 1 approval from a team approver"],
      withinBudget,
    ],
  },

  // Deny wins
  {
    name: "a deny wins over approvals: no stages are asked for",
    tweak: (i) => {
      i.tier = "prod";
      i.cost.monthlyCents = 60_000;
      i.cost.monthShareCents = 360_000;
    },
    outcome: "denied",
    stages: [],
    reasons: [overBudget("$3,600", "deny"), prodTwo, overThreshold],
  },
  {
    name: "a deny wins over a soft-budget approval",
    tweak: (i) => {
      i.team.budgetMode = "soft";
      i.cost.monthShareCents = 360_000;
      i.usage.gpus = 3;
    },
    outcome: "denied",
    stages: [],
    reasons: [
      ["quota", "deny", "GPU quota exceeded: 0 in use + 3 requested = 3, over the team's limit of 2 — denied"],
      overBudget("$3,600", "require_approval"),
      devAuto,
    ],
  },
  {
    name: "every deny is listed, in rule order",
    tweak: (i) => {
      i.tier = "prod";
      i.cost.ttlHours = 31 * 24;
      i.cost.monthShareCents = 360_000;
      i.usage.vcpus = 30;
    },
    outcome: "denied",
    stages: [],
    reasons: [
      ["ttl_max", "deny", "TTL of 31 days is over the prod tier's maximum of 30 days — denied"],
      overBudget("$3,600", "deny"),
      ["quota", "deny", "vCPU quota exceeded: 8 in use + 30 requested = 38, over the team's limit of 32 — denied"],
      prodTwo,
    ],
  },

  // Separation of duties: the requester's roles satisfy nothing
  {
    name: "an admin requester still needs every approval, from others",
    tweak: (i) => {
      i.tier = "prod";
      i.cost.monthlyCents = 60_000;
      i.requester.globalRole = "admin";
    },
    outcome: "needs_approval",
    stages: [
      ["team_approver", 2, "prod tier"],
      ["admin", 1, "over the $500/month threshold"],
    ],
    reasons: [prodTwo, overThreshold, ownRequest, withinBudget],
  },
  {
    name: "a team approver requester is told their role does not count",
    tweak: (i) => {
      i.tier = "staging";
      i.requester.teamRole = "approver";
    },
    outcome: "needs_approval",
    stages: [["team_approver", 1, "staging tier"]],
    reasons: [["tier_approvals", "require_approval", "staging tier: 1 approval from a team approver"], ownRequest, withinBudget],
  },
  {
    name: "a team approver requester of an admin-only stage gets no such note",
    tweak: (i) => {
      i.cost.monthlyCents = 60_000;
      i.requester.teamRole = "approver";
    },
    outcome: "needs_approval",
    stages: [["admin", 1, "over the $500/month threshold"]],
    reasons: [overThreshold, devAuto, withinBudget],
  },
  {
    name: "an admin requester of an auto-approved request gets no note",
    tweak: (i) => (i.requester.globalRole = "admin"),
    outcome: "auto_approved",
    stages: [],
    reasons: [devAuto, withinBudget],
  },
];

describe("evaluatePolicy", () => {
  it.each(cases)("$name", ({ tweak, outcome, stages, reasons }) => {
    const decision = evaluate(tweak);
    expect(decision.outcome).toBe(outcome);
    expect(decision.stages.map((s) => [s.role, s.count, s.reason])).toEqual(stages);
    expect(decision.reasons.map((r) => [r.rule, r.effect, r.message])).toEqual(reasons);
  });

  it("reports the budget and quota figures behind the decision", () => {
    const decision = evaluate((i) => (i.team.quotas.gpus = null));
    expect(decision.budget).toEqual({
      mode: "hard",
      limitCents: 500_000,
      spentCents: 100_000,
      committedCents: 50_000,
      thisRequestCents: 330,
      remainingAfterCents: 349_670,
    });
    expect(decision.quotas).toEqual({
      vcpus: { limit: 32, used: 8, requested: 2, remainingAfter: 22 },
      instances: { limit: 10, used: 3, requested: 1, remainingAfter: 6 },
      gpus: { limit: null, used: 0, requested: 0, remainingAfter: null },
    });
  });

  it("reports a negative remaining figure when the request does not fit", () => {
    const decision = evaluate((i) => {
      i.cost.monthShareCents = 360_000;
      i.usage.vcpus = 30;
    });
    expect(decision.budget.remainingAfterCents).toBe(-10_000);
    expect(decision.quotas.vcpus.remainingAfter).toBe(-6);
  });

  it("checks the cost threshold against the monthly estimate and the budget against the month share", () => {
    // $600/month, but only $20 of it falls in this month: threshold fires, budget does not.
    const decision = evaluate((i) => {
      i.cost.monthlyCents = 60_000;
      i.cost.monthShareCents = 2_000;
      i.team.spentThisMonthCents = 440_000;
    });
    expect(decision.outcome).toBe("needs_approval");
    expect(decision.reasons.map((r) => r.message)).toContain("within budget: this request needs $20 of $100 left this month");
  });

  it("is pure: the same input gives the same decision and is not modified", () => {
    const input = baseInput();
    input.tier = "prod";
    input.cost.monthlyCents = 60_000;
    const before = structuredClone(input);
    expect(evaluatePolicy(input)).toEqual(evaluatePolicy(input));
    expect(input).toEqual(before);
  });

  it.each([
    ["cost.monthlyCents", (i: PolicyInput) => (i.cost.monthlyCents = 100.5)],
    ["cost.monthShareCents", (i: PolicyInput) => (i.cost.monthShareCents = -1)],
    ["team.committedCents", (i: PolicyInput) => (i.team.committedCents = Number.NaN)],
    ["usage.gpus", (i: PolicyInput) => (i.usage.gpus = 0.5)],
    ["team.quotas.vcpus", (i: PolicyInput) => (i.team.quotas.vcpus = 1.5)],
  ])("refuses a non-integer or negative %s: money never goes through floats", (field, tweak) => {
    expect(() => evaluate(tweak)).toThrow(`policy input ${field} must be a whole number ≥ 0`);
  });
});
