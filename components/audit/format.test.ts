import { describe, expect, it } from "vitest";
import { actionTone, diffChange, subjectHref } from "./format";

describe("actionTone", () => {
  it.each([
    ["team.created", "green"],
    ["membership.removed", "red"],
    ["template.deprecated", "red"],
    ["team.updated", "amber"],
    ["user.global_role_changed", "amber"],
    ["request.approved", "green"],
    ["something.odd", "brand"],
  ] as const)("%s is %s", (action, tone) => {
    expect(actionTone(action)).toBe(tone);
  });
});

describe("subjectHref", () => {
  const id = "0b5c1d8e-8f8b-4b55-9d51-6f1f1f1f1f1f";
  it("links requests, environments, templates by name, and teams for admins", () => {
    expect(subjectHref({ subjectType: "request", subjectId: id, subjectName: "REQ-4" }, { isAdmin: false })).toBe(`/requests/${id}`);
    expect(subjectHref({ subjectType: "environment", subjectId: id, subjectName: "orders-dev" }, { isAdmin: false })).toBe(`/environments/${id}`);
    expect(subjectHref({ subjectType: "template", subjectId: id, subjectName: "web-service" }, { isAdmin: false })).toBe("/catalog/web-service");
    expect(subjectHref({ subjectType: "template", subjectId: id, subjectName: null }, { isAdmin: true })).toBeNull();
    expect(subjectHref({ subjectType: "team", subjectId: id, subjectName: "Payments" }, { isAdmin: true })).toBe(`/admin/teams/${id}`);
    expect(subjectHref({ subjectType: "team", subjectId: id, subjectName: "Payments" }, { isAdmin: false })).toBeNull();
    expect(subjectHref({ subjectType: "membership", subjectId: "a:b", subjectName: null }, { isAdmin: true })).toBeNull();
  });
});

describe("diffChange", () => {
  it("lists changed, added, removed and unchanged fields, nested ones dotted", () => {
    const before = { name: "Payments", monthlyBudgetCents: 500_000, quota: { gpus: 0, vcpus: 64 }, old: true };
    const after = { name: "Payments", monthlyBudgetCents: 600_000, quota: { gpus: 4, vcpus: 64 }, tags: ["a"] };
    expect(diffChange(before, after)).toEqual([
      { field: "name", before: "Payments", after: "Payments", kind: "unchanged" },
      { field: "monthlyBudgetCents", before: "500000", after: "600000", kind: "changed" },
      { field: "quota.gpus", before: "0", after: "4", kind: "changed" },
      { field: "quota.vcpus", before: "64", after: "64", kind: "unchanged" },
      { field: "old", before: "true", kind: "removed" },
      { field: "tags", after: '["a"]', kind: "added" },
    ]);
  });

  it("handles a missing side and scalar values", () => {
    expect(diffChange(null, { email: "a@b.c", role: null })).toEqual([
      { field: "email", after: "a@b.c", kind: "added" },
      { field: "role", after: "null", kind: "added" },
    ]);
    expect(diffChange("x", "y")).toEqual([{ field: "value", before: "x", after: "y", kind: "changed" }]);
    expect(diffChange(undefined, undefined)).toEqual([]);
  });
});
