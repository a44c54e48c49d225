import { describe, expect, it } from "vitest";
import { afterParametersChanged, approvalState, canApprove, canReject, type ApprovalRecord, type Approver } from "./approvals";
import { evaluatePolicy } from "./evaluate";
import type { ApprovalStage, PolicyInput } from "./types";

const requesterId = "req";
const people = {
  requester: { id: requesterId, teamRole: "approver", globalRole: "admin" },
  ann: { id: "ann", teamRole: "approver", globalRole: null },
  bob: { id: "bob", teamRole: "approver", globalRole: null },
  ada: { id: "ada", teamRole: null, globalRole: "admin" },
  alan: { id: "alan", teamRole: null, globalRole: "admin" },
  both: { id: "both", teamRole: "approver", globalRole: "admin" },
  mem: { id: "mem", teamRole: "member", globalRole: null },
  aud: { id: "aud", teamRole: null, globalRole: "auditor" },
} satisfies Record<string, Approver>;

const twoTeamApprovers: ApprovalStage[] = [{ role: "team_approver", count: 2, reason: "prod tier" }];
const teamThenAdmin: ApprovalStage[] = [
  { role: "team_approver", count: 1, reason: "prod tier" },
  { role: "admin", count: 1, reason: "over the $500/month threshold" },
];
const adminThenTeam: ApprovalStage[] = [
  { role: "admin", count: 1, reason: "prod tier" },
  { role: "team_approver", count: 1, reason: "prod tier" },
];

let clock = Date.parse("2025-03-10T09:00:00Z");
function record(approverId: string, role: ApprovalRecord["role"], decision: ApprovalRecord["decision"] = "approved", at?: string): ApprovalRecord {
  clock += 60_000;
  return { approverId, role, decision, decidedAt: at ? new Date(at) : new Date(clock) };
}

describe("approvalState", () => {
  it.each<{ name: string; stages: ApprovalStage[]; approvals: ApprovalRecord[]; expected: Partial<ReturnType<typeof approvalState>> }>([
    {
      name: "no stages: complete at once",
      stages: [],
      approvals: [],
      expected: { complete: true, rejected: false, currentStage: null, remaining: [] },
    },
    { name: "nothing decided yet", stages: twoTeamApprovers, approvals: [], expected: { complete: false, currentStage: 0, remaining: [2] } },
    {
      name: "one of two approvals",
      stages: twoTeamApprovers,
      approvals: [record("ann", "team_approver")],
      expected: { complete: false, currentStage: 0, remaining: [1], approvedBy: [["ann"]] },
    },
    {
      name: "two approvals from two different people complete it",
      stages: twoTeamApprovers,
      approvals: [record("ann", "team_approver"), record("bob", "team_approver")],
      expected: { complete: true, currentStage: null, remaining: [0], approvedBy: [["ann", "bob"]] },
    },
    {
      name: "the same person twice counts once",
      stages: twoTeamApprovers,
      approvals: [record("ann", "team_approver"), record("ann", "team_approver")],
      expected: { complete: false, currentStage: 0, remaining: [1], approvedBy: [["ann"]] },
    },
    {
      name: "the requester's own approval never counts",
      stages: twoTeamApprovers,
      approvals: [record(requesterId, "team_approver"), record("ann", "team_approver")],
      expected: { complete: false, remaining: [1], approvedBy: [["ann"]] },
    },
    {
      name: "stages fill in order",
      stages: teamThenAdmin,
      approvals: [record("ann", "team_approver"), record("ada", "admin")],
      expected: { complete: true, remaining: [0, 0], approvedBy: [["ann"], ["ada"]] },
    },
    {
      name: "an admin fills a team-approver stage, and cannot then fill the admin stage too",
      stages: teamThenAdmin,
      approvals: [record("ada", "admin"), record("ada", "admin")],
      expected: { complete: false, currentStage: 1, remaining: [0, 1], approvedBy: [["ada"], []] },
    },
    {
      name: "a team approver's approval does not fill an admin stage",
      stages: teamThenAdmin,
      approvals: [record("ann", "team_approver"), record("bob", "team_approver")],
      expected: { complete: false, currentStage: 1, remaining: [0, 1] },
    },
    {
      name: "decisions are replayed in time order, not list order",
      stages: adminThenTeam,
      approvals: [record("ann", "team_approver", "approved", "2025-03-10T12:00:00Z"), record("ada", "admin", "approved", "2025-03-10T11:00:00Z")],
      expected: { complete: true, approvedBy: [["ada"], ["ann"]] },
    },
    {
      name: "an approval for a later stage before the current one is complete does not count",
      stages: adminThenTeam,
      approvals: [record("ann", "team_approver", "approved", "2025-03-10T11:00:00Z"), record("ada", "admin", "approved", "2025-03-10T12:00:00Z")],
      expected: { complete: false, currentStage: 1, approvedBy: [["ada"], []] },
    },
    {
      name: "a rejection ends it",
      stages: twoTeamApprovers,
      approvals: [record("ann", "team_approver"), record("bob", "team_approver", "rejected")],
      expected: { complete: false, rejected: true, currentStage: null, rejectedBy: "bob", remaining: [1] },
    },
    {
      name: "nothing counts after a rejection",
      stages: twoTeamApprovers,
      approvals: [record("ann", "team_approver", "rejected"), record("bob", "team_approver"), record("ada", "admin")],
      expected: { complete: false, rejected: true, rejectedBy: "ann", remaining: [2] },
    },
    {
      name: "the requester cannot reject their own request either",
      stages: twoTeamApprovers,
      approvals: [record(requesterId, "admin", "rejected")],
      expected: { rejected: false, currentStage: 0 },
    },
  ])("$name", ({ stages, approvals, expected }) => {
    expect(approvalState(stages, approvals, requesterId)).toMatchObject(expected);
  });
});

describe("canApprove", () => {
  it.each<{ name: string; stages: ApprovalStage[]; approvals: ApprovalRecord[]; approver: Approver; result: ReturnType<typeof canApprove> }>([
    // Separation of duties
    {
      name: "no one approves their own request, not even an admin",
      stages: twoTeamApprovers,
      approvals: [],
      approver: people.requester,
      result: { ok: false, reason: "you cannot approve your own request" },
    },
    {
      name: "the same person cannot approve twice",
      stages: twoTeamApprovers,
      approvals: [record("ann", "team_approver")],
      approver: people.ann,
      result: { ok: false, reason: "you have already decided on this request: each approval must come from a different person" },
    },
    {
      name: "an admin who filled the team stage cannot fill the admin stage too",
      stages: teamThenAdmin,
      approvals: [record("ada", "admin")],
      approver: people.ada,
      result: { ok: false, reason: "you have already decided on this request: each approval must come from a different person" },
    },
    {
      name: "a second, different team approver may approve",
      stages: twoTeamApprovers,
      approvals: [record("ann", "team_approver")],
      approver: people.bob,
      result: { ok: true, stageIndex: 0, capacity: "team_approver" },
    },

    // Stage order
    {
      name: "a later stage waits for the current one",
      stages: adminThenTeam,
      approvals: [],
      approver: people.ann,
      result: { ok: false, reason: "stage 1 of 2 must be complete before stage 2: it still needs 1 approval from an admin" },
    },
    {
      name: "once the first stage is complete, the next opens",
      stages: adminThenTeam,
      approvals: [record("ada", "admin")],
      approver: people.ann,
      result: { ok: true, stageIndex: 1, capacity: "team_approver" },
    },

    // Roles
    {
      name: "a team approver fills a team-approver stage",
      stages: teamThenAdmin,
      approvals: [],
      approver: people.ann,
      result: { ok: true, stageIndex: 0, capacity: "team_approver" },
    },
    {
      name: "an admin may stand in for a team approver",
      stages: teamThenAdmin,
      approvals: [],
      approver: people.ada,
      result: { ok: true, stageIndex: 0, capacity: "admin" },
    },
    {
      name: "someone who is both acts as team approver where that suffices",
      stages: teamThenAdmin,
      approvals: [],
      approver: people.both,
      result: { ok: true, stageIndex: 0, capacity: "team_approver" },
    },
    {
      name: "…and as admin at an admin stage",
      stages: teamThenAdmin,
      approvals: [record("ann", "team_approver")],
      approver: people.both,
      result: { ok: true, stageIndex: 1, capacity: "admin" },
    },
    {
      name: "a team approver cannot fill an admin stage",
      stages: teamThenAdmin,
      approvals: [record("ann", "team_approver")],
      approver: people.bob,
      result: { ok: false, reason: "only an admin can approve at stage 2 of 2 (over the $500/month threshold)" },
    },
    {
      name: "a plain member cannot approve",
      stages: twoTeamApprovers,
      approvals: [],
      approver: people.mem,
      result: { ok: false, reason: "only a team approver of this team or an admin can approve at stage 1 of 1 (prod tier)" },
    },
    {
      name: "an auditor cannot approve",
      stages: twoTeamApprovers,
      approvals: [],
      approver: people.aud,
      result: { ok: false, reason: "auditors can read requests but cannot approve them" },
    },

    // Finished requests
    {
      name: "a complete request takes no more approvals",
      stages: twoTeamApprovers,
      approvals: [record("ann", "team_approver"), record("bob", "team_approver")],
      approver: people.ada,
      result: { ok: false, reason: "this request is already fully approved" },
    },
    {
      name: "a rejected request takes no more approvals",
      stages: twoTeamApprovers,
      approvals: [record("ann", "team_approver", "rejected")],
      approver: people.bob,
      result: { ok: false, reason: "this request was already rejected" },
    },
    {
      name: "an auto-approved request takes none at all",
      stages: [],
      approvals: [],
      approver: people.ann,
      result: { ok: false, reason: "this request needs no approval" },
    },
  ])("$name", ({ stages, approvals, approver, result }) => {
    expect(canApprove({ stages, approvals, requesterId, approver })).toEqual(result);
  });
});

describe("canReject", () => {
  it.each<{ name: string; approver: Approver; approvals: ApprovalRecord[]; result: ReturnType<typeof canReject> }>([
    { name: "a team approver may reject", approver: people.ann, approvals: [], result: { ok: true, stageIndex: 0, capacity: "team_approver" } },
    {
      name: "the requester may not reject their own request",
      approver: people.requester,
      approvals: [],
      result: { ok: false, reason: "you cannot reject your own request" },
    },
    {
      name: "a member may not reject",
      approver: people.mem,
      approvals: [],
      result: { ok: false, reason: "only a team approver of this team or an admin can reject at stage 1 of 1 (prod tier)" },
    },
    {
      name: "someone who approved cannot then reject",
      approver: people.ann,
      approvals: [record("ann", "team_approver")],
      result: { ok: false, reason: "you have already decided on this request: each approval must come from a different person" },
    },
  ])("$name", ({ approver, approvals, result }) => {
    expect(canReject({ stages: twoTeamApprovers, approvals, requesterId, approver })).toEqual(result);
  });
});

describe("afterParametersChanged", () => {
  it("clears every approval and says why", () => {
    const approvals = [record("ann", "team_approver")];
    expect(afterParametersChanged(approvals)).toEqual({
      keep: [],
      cleared: approvals,
      reason: "parameters changed after approval: approvals cleared, re-approval required",
    });
  });

  it("has nothing to say when nothing had been approved", () => {
    expect(afterParametersChanged([])).toEqual({ keep: [], cleared: [], reason: null });
  });
});

describe("a prod request over the cost threshold, end to end", () => {
  const input: PolicyInput = {
    policy: {
      ttl: { prod: { default: "7d", max: "30d" } },
      approvals: { prod: [{ from: "team_approver", count: 2 }] },
      costApproval: { aboveMonthlyUsd: 500, from: "admin", count: 1 },
      tags: {},
      requiredTags: [],
      onFailure: "cleanup",
    },
    tier: "prod",
    cost: { monthlyCents: 80_000, overTtlCents: 18_400, ttlHours: 168, monthShareCents: 18_400 },
    usage: { vcpus: 4, instances: 2, gpus: 0 },
    team: {
      monthlyBudgetCents: 1_000_000,
      budgetMode: "hard",
      spentThisMonthCents: 0,
      committedCents: 0,
      quotas: { vcpus: null, instances: null, gpus: null },
      quotaUsed: { vcpus: 0, instances: 0, gpus: 0 },
    },
    requester: { id: requesterId, teamRole: "approver", globalRole: null },
  };

  /** Applies decisions one by one, each checked by canApprove/canReject first, the way the approval service will. */
  function decideInTurn(stages: ApprovalStage[], steps: [Approver, "approved" | "rejected"][]) {
    const approvals: ApprovalRecord[] = [];
    const refusals: string[] = [];
    for (const [approver, decision] of steps) {
      const check = (decision === "approved" ? canApprove : canReject)({ stages, approvals, requesterId, approver });
      if (check.ok) approvals.push(record(approver.id, check.capacity, decision));
      else refusals.push(`${approver.id}: ${check.reason}`);
    }
    return { approvals, refusals, state: approvalState(stages, approvals, requesterId) };
  }

  it("needs two different team approvers, then an admin", () => {
    const { stages } = evaluatePolicy(input);
    const { refusals, state } = decideInTurn(stages, [
      [people.requester, "approved"],
      [people.ada, "approved"], // an admin stands in for a team approver
      [people.ada, "approved"],
      [people.bob, "approved"],
      [people.ann, "approved"],
      [people.ada, "approved"],
      [people.alan, "approved"],
    ]);
    expect(refusals).toEqual([
      "req: you cannot approve your own request",
      "ada: you have already decided on this request: each approval must come from a different person",
      "ann: only an admin can approve at stage 2 of 2 (over the $500/month threshold)",
      "ada: you have already decided on this request: each approval must come from a different person",
    ]);
    expect(state).toMatchObject({ complete: true, approvedBy: [["ada", "bob"], ["alan"]] });
  });

  it("ends at the first rejection", () => {
    const { stages } = evaluatePolicy(input);
    const { refusals, state } = decideInTurn(stages, [
      [people.ann, "approved"],
      [people.bob, "rejected"],
      [people.ada, "approved"],
    ]);
    expect(refusals).toEqual(["ada: this request was already rejected"]);
    expect(state).toMatchObject({ complete: false, rejected: true, rejectedBy: "bob" });
  });

  it("asks for every approval again after a parameter change", () => {
    const { stages } = evaluatePolicy(input);
    const before = decideInTurn(stages, [
      [people.ann, "approved"],
      [people.bob, "approved"],
    ]);
    expect(before.state.currentStage).toBe(1);
    const { keep, reason } = afterParametersChanged(before.approvals);
    expect(reason).toBe("parameters changed after approval: approvals cleared, re-approval required");
    const changed = evaluatePolicy({ ...input, cost: { ...input.cost, monthlyCents: 40_000 } });
    expect(approvalState(changed.stages, keep, requesterId)).toMatchObject({ complete: false, currentStage: 0, remaining: [2] });
    // The same approvers may approve the new version.
    expect(canApprove({ stages: changed.stages, approvals: keep, requesterId, approver: people.ann })).toEqual({
      ok: true,
      stageIndex: 0,
      capacity: "team_approver",
    });
  });
});
