/**
 * The domain's status and kind lists, defined once: the database enums (schema.ts), the zod
 * inputs, the UI and the transition table (server/core/lifecycle.ts) all read these. This file
 * imports nothing, so every layer (and the browser bundle) may use it.
 */

export const requestStatuses = [
  "pending_approval",
  "approved",
  "queued",
  "provisioning",
  "ready",
  "failed",
  "rejected",
  "cancelled",
  /** An extension (or other change to a live environment) that took effect. */
  "applied",
  /** A create request whose environment has been destroyed: its name is free again. */
  "destroyed",
] as const;
export type RequestStatus = (typeof requestStatuses)[number];

/**
 * What a request asks for: a new environment, more time for a live one, a change of a live one's
 * parameters or template version (`update`, issue 14), or putting a drifted one back to its
 * desired state (`reconcile`, issue 13).
 */
export const requestKinds = ["create", "extend", "update", "reconcile"] as const;
export type RequestKind = (typeof requestKinds)[number];

export const environmentStatuses = ["provisioning", "ready", "failed", "destroying", "destroyed"] as const;
export type EnvironmentStatus = (typeof environmentStatuses)[number];

/**
 * `update`: a change to a ready environment's resources (new expiry tags after an extension; new
 * parameters or template version, issue 14). `rollback`: puts a failed update back to the
 * previous version and parameters. `drift`: a read-only drift check; `reconcile`: applies the
 * desired state back over drift (issue 13).
 */
export const runKinds = ["apply", "destroy", "drift", "update", "rollback", "reconcile"] as const;
export type RunKind = (typeof runKinds)[number];

/** `cancelled` is reserved for run cancellation (not built yet): no code sets it today. */
export const runStatuses = ["queued", "running", "succeeded", "failed", "cancelled"] as const;
export type RunStatus = (typeof runStatuses)[number];
/** A run in one of these holds its environment: no second run may start. */
export const activeRunStatuses = ["queued", "running"] as const satisfies readonly RunStatus[];

export const resourceStatuses = ["planned", "creating", "ready", "deleting", "deleted", "failed"] as const;
export type ResourceStatus = (typeof resourceStatuses)[number];
/**
 * A row in one of these may stand for something that exists in the cloud: a planned or creating row's engine call may
 * have happened before a crash (the engine finds it by the row's key), a failed one could not be destroyed.
 */
export const mayExistResourceStatuses = ["planned", "creating", "ready", "deleting", "failed"] as const satisfies readonly ResourceStatus[];
/** Tracked and not finished: its engine call may have happened, its outcome is not recorded. */
export const unfinishedResourceStatuses = ["planned", "creating"] as const satisfies readonly ResourceStatus[];

/** A drift check's verdict (issue 13): `failed` = could not read, never taken as drift. */
export const driftResults = ["in_sync", "drifted", "failed"] as const;
export type DriftResult = (typeof driftResults)[number];

/**
 * Why a run failed (issue 16, the SLIs' "errors by cause"): set once when a run fails, by one
 * classifier (server/runner/failure-cause.ts) reading the engine error's kind, code and message.
 */
export const failureCauses = ["rate_limit", "quota", "capacity", "auth", "outage", "template", "timeout", "unknown"] as const;
export type FailureCause = (typeof failureCauses)[number];

/** What blocked a preview or a submit before any request existed (counted for SLI M6). */
export const denialRules = ["quota", "budget"] as const;
export type DenialRule = (typeof denialRules)[number];
export const denialStages = ["preview", "submit"] as const;
export type DenialStage = (typeof denialStages)[number];

/**
 * A fleet rollout (issue 14): `running` advances batch by batch; `paused` (by an admin) and
 * `halted` (a batch passed its failure threshold) start nothing new until resumed; `cancelled`
 * and `finished` are final.
 */
export const fleetRolloutStatuses = ["running", "paused", "halted", "cancelled", "finished"] as const;
export type FleetRolloutStatus = (typeof fleetRolloutStatuses)[number];
/** One environment of a rollout: its update request's progress, or why it was skipped. */
export const fleetTargetStatuses = ["pending", "skipped", "awaiting_approval", "running", "succeeded", "failed"] as const;
export type FleetTargetStatus = (typeof fleetTargetStatuses)[number];
