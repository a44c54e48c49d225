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

/** What a request asks for: a new environment, or more time for a live one. */
export const requestKinds = ["create", "extend"] as const;
export type RequestKind = (typeof requestKinds)[number];

export const environmentStatuses = ["provisioning", "ready", "failed", "destroying", "destroyed"] as const;
export type EnvironmentStatus = (typeof environmentStatuses)[number];

/**
 * `update`: a change to a ready environment's resources in place (new expiry tags after an extension).
 * `drift` is reserved for issue 13 (scheduled drift checks): nothing creates a drift run yet.
 */
export const runKinds = ["apply", "destroy", "drift", "update"] as const;
export type RunKind = (typeof runKinds)[number];

/** `cancelled` is reserved for run cancellation (not built yet): no code sets it today. */
export const runStatuses = ["queued", "running", "succeeded", "failed", "cancelled"] as const;
export type RunStatus = (typeof runStatuses)[number];
/** A run in one of these holds its environment: no second run may start. */
export const activeRunStatuses = ["queued", "running"] as const satisfies readonly RunStatus[];

export const resourceStatuses = ["planned", "creating", "ready", "deleting", "deleted", "failed"] as const;
export type ResourceStatus = (typeof resourceStatuses)[number];
