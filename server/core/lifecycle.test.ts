import { describe, expect, it } from "vitest";
import { environmentStatuses, requestStatuses, runStatuses } from "~/db/vocabulary";
import { ServiceError } from "./errors";
import {
  assertTransition,
  canTransition,
  environmentTransitions,
  IllegalTransitionError,
  requestTransitions,
  runTransitions,
  statusesLeadingTo,
} from "./lifecycle";

const subjects = [
  { subject: "request", statuses: requestStatuses, table: requestTransitions, initial: ["pending_approval", "queued"] },
  { subject: "environment", statuses: environmentStatuses, table: environmentTransitions, initial: ["provisioning"] },
  { subject: "run", statuses: runStatuses, table: runTransitions, initial: ["queued"] },
] as const;

type AnySubject = (typeof subjects)[number]["subject"];
// The generic signatures tie a status to its subject; the table-driven loops below walk all three at once.
const can = canTransition as (subject: AnySubject, from: string, to: string) => boolean;
const assert = assertTransition as (subject: AnySubject, from: string, to: string) => void;
const leadingTo = statusesLeadingTo as (subject: AnySubject, to: string) => string[];

const allowed = (table: Readonly<Record<string, readonly string[]>>) =>
  Object.entries(table).flatMap(([from, tos]) => tos.map((to) => [from, to] as const));

describe.each(subjects)("the $subject table", ({ subject, statuses, table, initial }) => {
  it("has an entry for every status, and names only real statuses", () => {
    expect(Object.keys(table).sort()).toEqual([...statuses].sort());
    for (const targets of Object.values(table)) for (const to of targets) expect(statuses).toContain(to);
  });

  it.each(allowed(table))(`accepts ${subject} %s → %s`, (from, to) => {
    expect(can(subject, from, to)).toBe(true);
    expect(() => assert(subject, from, to)).not.toThrow();
    expect(leadingTo(subject, to)).toContain(from);
  });

  it("refuses every pair the table does not list", () => {
    for (const from of statuses) {
      for (const to of statuses) {
        if ((table[from as keyof typeof table] as readonly string[]).includes(to)) continue;
        expect(can(subject, from, to), `${from} → ${to}`).toBe(false);
        expect(() => assert(subject, from, to)).toThrow(IllegalTransitionError);
        expect(leadingTo(subject, to)).not.toContain(from);
      }
    }
  });

  it("reaches every status from where a row starts, and a final status from every status", () => {
    const next = (status: string) => table[status as keyof typeof table] as readonly string[];
    const reached = new Set<string>(initial);
    const queue: string[] = [...initial];
    while (queue.length > 0) {
      for (const to of next(queue.shift()!)) {
        if (!reached.has(to)) queue.push(to);
        reached.add(to);
      }
    }
    expect([...reached].sort()).toEqual([...statuses].sort());
    const final = statuses.filter((s) => next(s).length === 0);
    const canEnd = (status: string, seen = new Set<string>()): boolean =>
      final.includes(status as never) || next(status).some((to) => !seen.has(to) && canEnd(to, new Set([...seen, status])));
    for (const status of statuses) expect(canEnd(status), status).toBe(true);
  });
});

describe("forbidden transitions", () => {
  it.each([
    ["request", "ready", "pending_approval"],
    ["request", "provisioning", "cancelled"],
    ["request", "queued", "cancelled"],
    ["request", "rejected", "queued"],
    ["request", "cancelled", "pending_approval"],
    ["request", "applied", "applied"],
    ["request", "destroyed", "ready"],
    ["environment", "destroyed", "ready"],
    ["environment", "ready", "provisioning"],
    ["environment", "destroying", "ready"],
    ["environment", "provisioning", "destroying"],
    ["run", "succeeded", "running"],
    ["run", "failed", "queued"],
    ["run", "cancelled", "running"],
  ] as const)("refuses a %s going %s → %s, as a conflict naming both statuses", (subject, from, to) => {
    expect(can(subject, from, to)).toBe(false);
    let error: unknown;
    try {
      assert(subject, from, to);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(IllegalTransitionError);
    expect(error).toBeInstanceOf(ServiceError);
    expect(error).toMatchObject({
      kind: "conflict",
      subject,
      from,
      to,
      message: `A ${subject} cannot go from ${from.replaceAll("_", " ")} to ${to.replaceAll("_", " ")}.`,
    });
  });
});

describe("statuses leading to a status (for guarded updates)", () => {
  it("lists exactly the statuses the table allows from", () => {
    expect(statusesLeadingTo("request", "cancelled")).toEqual(["pending_approval"]);
    expect(statusesLeadingTo("request", "provisioning").sort()).toEqual(["failed", "queued"]);
    expect(statusesLeadingTo("request", "destroyed").sort()).toEqual(["failed", "ready"]);
    expect(statusesLeadingTo("environment", "destroying").sort()).toEqual(["failed", "ready"]);
    expect(statusesLeadingTo("run", "succeeded")).toEqual(["running"]);
    // An edit keeps it pending; a terraform plan that changed after approval sends a failed apply back.
    expect(statusesLeadingTo("request", "pending_approval")).toEqual(["pending_approval", "failed"]);
  });
});
