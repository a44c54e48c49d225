/**
 * The one table of allowed status transitions for requests, environments and runs (DESIGN.md,
 * "Request lifecycle"). Every write of a status goes through `assertTransition` (or a guarded
 * UPDATE whose WHERE names the `from` statuses this table allows), so a transition the table
 * does not list is refused instead of silently happening.
 */
import type { EnvironmentStatus, RequestStatus, RunStatus } from "~/db/vocabulary";
import { ServiceError } from "./errors";

type Table<S extends string> = { readonly [From in S]: readonly S[] };

export const requestTransitions: Table<RequestStatus> = {
  // Edited (re-approval), approved (stage by stage: "approved" is an extension waiting to apply), queued when the last approval lands.
  // Cancelled only while pending: once queued, the provisioning job owns the request.
  pending_approval: ["pending_approval", "approved", "queued", "rejected", "cancelled", "applied"],
  // An approved extension takes effect in the transaction that approved it.
  approved: ["applied"],
  // An update request (kind `update`) is queued until its update run succeeds (applied) or fails.
  queued: ["provisioning", "applied", "failed"],
  provisioning: ["ready", "failed"],
  ready: ["destroyed"],
  // A failed apply is retried (provisioning again) or its kept resources destroyed; a terraform
  // plan that changed after approval goes back to approval (server/runner/saved-plan.ts).
  failed: ["provisioning", "destroyed", "pending_approval"],
  rejected: [],
  cancelled: [],
  applied: [],
  destroyed: [],
};

export const environmentTransitions: Table<EnvironmentStatus> = {
  provisioning: ["ready", "failed"],
  // A rollback that cannot put a failed update back leaves the environment failed (never looking ready).
  ready: ["destroying", "failed"],
  failed: ["provisioning", "destroying"],
  // A destroy that fails leaves the environment failed (its resources kept, destroy can be retried).
  destroying: ["destroyed", "failed"],
  destroyed: [],
};

export const runTransitions: Table<RunStatus> = {
  queued: ["running", "cancelled"],
  // Back to queued: a stopping worker hands it back; running → running: another worker takes over a stale claim.
  running: ["running", "queued", "succeeded", "failed", "cancelled"],
  succeeded: [],
  failed: [],
  cancelled: [],
};

const tables = { request: requestTransitions, environment: environmentTransitions, run: runTransitions } as const;
type Subject = keyof typeof tables;
type StatusOf<S extends Subject> = S extends "request" ? RequestStatus : S extends "environment" ? EnvironmentStatus : RunStatus;

/** A conflict (409 at the API edge): the row is not in a status this change may start from. */
export class IllegalTransitionError extends ServiceError {
  constructor(
    readonly subject: Subject,
    readonly from: string,
    readonly to: string,
  ) {
    super("conflict", `A ${subject} cannot go from ${from.replaceAll("_", " ")} to ${to.replaceAll("_", " ")}.`);
    this.name = "IllegalTransitionError";
  }
}

export function canTransition<S extends Subject>(subject: S, from: StatusOf<S>, to: StatusOf<S>): boolean {
  const table = tables[subject] as Table<StatusOf<S>>;
  return table[from].includes(to);
}

/** Throws IllegalTransitionError for a transition the table does not list. */
export function assertTransition<S extends Subject>(subject: S, from: StatusOf<S>, to: StatusOf<S>): void {
  if (!canTransition(subject, from, to)) throw new IllegalTransitionError(subject, from, to);
}

/** The statuses a subject may move to `to` from: for guarded UPDATEs (`where status in (...)`). */
export function statusesLeadingTo<S extends Subject>(subject: S, to: StatusOf<S>): StatusOf<S>[] {
  const table = tables[subject] as Table<StatusOf<S>>;
  return (Object.keys(table) as StatusOf<S>[]).filter((from) => table[from].includes(to));
}
