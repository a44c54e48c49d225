/** The access rules as a table: who may do what with a subject of team T, owned or requested by "me". */
import { describe, expect, it } from "vitest";
import {
  canApproveIn,
  canCancelRequest,
  canCommentOn,
  canDestroy,
  canEditRequest,
  canExtend,
  canManageWebhooks,
  canReadCosts,
  canReadEnvironment,
  canReadTeam,
  canReadWebhooks,
  canRequestIn,
  canRetry,
  canRevealSecret,
  decidableTeamIds,
  operatorCapacity,
  policyPrincipal,
  readableTeamIds,
  roleLabel,
  type AccessViewer,
} from "./rules";

const T = "team-t";
const viewer = (overrides: Partial<AccessViewer> = {}): AccessViewer => ({ id: "me", globalRole: null, teams: [], ...overrides });
const people = {
  owner: viewer({ teams: [{ id: T, role: "member" }] }),
  teammate: viewer({ id: "colleague", teams: [{ id: T, role: "member" }] }),
  approver: viewer({ id: "approver", teams: [{ id: T, role: "approver" }] }),
  admin: viewer({ id: "admin", globalRole: "admin" }),
  auditor: viewer({ id: "auditor", globalRole: "auditor" }),
  outsider: viewer({ id: "outsider", teams: [{ id: "team-u", role: "approver" }] }),
  /** Owned it, then left the team. */
  leaver: viewer({ teams: [{ id: "team-u", role: "member" }] }),
};
type Person = keyof typeof people;
const mine = { teamId: T, ownerId: "me", requesterId: "me" };

/** Who passes each rule, in the order of `people`. */
const table: [string, (v: AccessViewer) => boolean, Person[]][] = [
  ["canReadTeam", (v) => canReadTeam(v, T), ["owner", "teammate", "approver", "admin", "auditor"]],
  ["canReadEnvironment", (v) => canReadEnvironment(v, mine), ["owner", "teammate", "approver", "admin", "auditor"]],
  ["canRequestIn", (v) => canRequestIn(v, T), ["owner", "teammate", "approver"]],
  ["canApproveIn", (v) => canApproveIn(v, T), ["approver", "admin"]],
  ["canReadWebhooks", (v) => canReadWebhooks(v, T), ["approver", "admin", "auditor"]],
  ["canManageWebhooks", (v) => canManageWebhooks(v, T), ["approver", "admin"]],
  ["canEditRequest", (v) => canEditRequest(v, mine), ["owner"]],
  ["canCancelRequest", (v) => canCancelRequest(v, mine), ["owner", "admin"]],
  ["canCommentOn", (v) => canCommentOn(v, mine), ["owner", "teammate", "approver", "admin"]],
  ["canDestroy", (v) => canDestroy(v, mine), ["owner", "approver", "admin"]],
  ["canRetry", (v) => canRetry(v, mine), ["owner", "approver", "admin"]],
  ["canExtend", (v) => canExtend(v, mine), ["owner", "approver", "admin"]],
  ["canRevealSecret", (v) => canRevealSecret(v, mine), ["owner", "approver"]],
  ["canReadCosts of all teams", (v) => canReadCosts(v, "all"), ["admin", "auditor"]],
];

describe("access rules", () => {
  it.each(table)("%s", (_name, rule, allowed) => {
    const passing = (Object.keys(people) as Person[]).filter((p) => rule(people[p]));
    expect(passing).toEqual(allowed);
  });

  it("one rule decides who extends, destroys and retries, and in which capacity", () => {
    expect((Object.keys(people) as Person[]).map((p) => operatorCapacity(people[p], mine))).toEqual([
      "owner",
      null,
      "approver",
      "admin",
      null,
      null,
      null,
    ]);
    // An admin who also approves in the team acts as its approver.
    expect(operatorCapacity(viewer({ id: "x", globalRole: "admin", teams: [{ id: T, role: "approver" }] }), mine)).toBe("approver");
  });

  it("never lets an auditor change anything, even one who is a team approver", () => {
    const auditingApprover = viewer({ globalRole: "auditor", teams: [{ id: T, role: "approver" }] });
    expect([canApproveIn, canManageWebhooks].map((rule) => rule(auditingApprover, T))).toEqual([false, false]);
    expect([canDestroy, canRevealSecret, canEditRequest, canCancelRequest, canCommentOn].map((rule) => rule(auditingApprover, mine))).toEqual([
      false,
      false,
      false,
      false,
      false,
    ]);
    expect(canReadTeam(auditingApprover, "any-team")).toBe(true);
  });

  it("gives list queries the teams to show, and the policy the role in the request's team", () => {
    expect(readableTeamIds(people.auditor)).toBe("all");
    expect(readableTeamIds(people.approver)).toEqual([T]);
    expect(decidableTeamIds(people.admin)).toBe("all");
    expect(decidableTeamIds(people.owner)).toEqual([]);
    expect(decidableTeamIds(people.approver)).toEqual([T]);
    expect(policyPrincipal(people.outsider, T)).toEqual({ id: "outsider", teamRole: null, globalRole: null });
    expect(policyPrincipal(people.approver, T)).toEqual({ id: "approver", teamRole: "approver", globalRole: null });
  });

  it("names the strongest role for the shell", () => {
    expect((Object.keys(people) as Person[]).map((p) => roleLabel(people[p]))).toEqual([
      "Developer",
      "Developer",
      "Approver",
      "Admin",
      "Auditor (read only)",
      "Approver",
      "Developer",
    ]);
    expect(roleLabel(viewer())).toBe("No team yet");
  });
});
