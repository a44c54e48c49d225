/**
 * Every domain event Provisio publishes, defined once: `publishEvent` accepts only these names
 * (a typo is a compile error), the webhook schema and subscription form list the subscribable
 * ones from here, and the README's event list is written from this table. Pure data, no
 * imports: the browser bundle reads it through server/schemas/webhooks.ts.
 */

/** In-app notification kinds (notifications.kind) with the badge text the notification list shows. */
export const notificationKinds = {
  approval_needed: "Approval needed",
  request_approved: "Approved",
  request_rejected: "Rejected",
  run_succeeded: "Run succeeded",
  run_failed: "Run failed",
  environment_extended: "Extended",
  environment_expiring: "Expiring",
  environment_expired: "Expired",
  environment_destroying: "Destroying",
  environment_destroyed: "Destroyed",
  environment_updated: "Updated",
  environment_update_failed: "Update failed",
  environment_drifted: "Drifted",
  environment_reconciled: "Reconciled",
  slo_burn_rate_high: "SLO burning",
  fleet_rollout: "Fleet rollout",
} as const;
export type NotificationKind = keyof typeof notificationKinds;

type EventSpec = {
  /** Short name, as the webhook form and delivery log show it. */
  label: string;
  /** What happened, in one sentence. */
  description: string;
  /** Who gets an in-app notification (the bell), if anyone. */
  notifies: string;
  /** Whether a team webhook can subscribe to it. */
  webhook: boolean;
};

export const eventTypes = {
  "request.submitted": {
    label: "Request submitted",
    description: "Someone requested an environment for the team.",
    notifies: "nobody (approvers get request.approval_needed)",
    webhook: true,
  },
  "request.approval_needed": {
    label: "Approval needed",
    description: "A request or an extension waits for an approver's decision.",
    notifies: "the team's approvers (and admins when a stage needs an admin), never the requester",
    webhook: true,
  },
  "request.updated": {
    label: "Request updated",
    description: "A pending request's parameters changed: its approvals were cleared.",
    notifies: "the team's approvers, who must approve again",
    webhook: true,
  },
  "request.approved": {
    label: "Request approved",
    description: "A request got every approval it needed, or policy approved it automatically.",
    notifies: "the requester (when a person approved it)",
    webhook: true,
  },
  "request.plan_changed": {
    label: "Plan changed",
    description: "Terraform: the state moved on after approval and the new plan differs from the approved one; nothing more was applied.",
    notifies: "the environment's owner and the requester",
    webhook: true,
  },
  "request.queued": {
    label: "Request queued",
    description: "An approved request is queued for provisioning.",
    notifies: "nobody",
    webhook: true,
  },
  "request.rejected": {
    label: "Request rejected",
    description: "An approver rejected a request.",
    notifies: "the requester",
    webhook: true,
  },
  "request.cancelled": {
    label: "Request cancelled",
    description: "The requester (or an admin) withdrew a pending request.",
    notifies: "nobody",
    webhook: true,
  },
  "run.succeeded": {
    label: "Run succeeded",
    description: "A provisioning run finished: the environment is ready.",
    notifies: "the environment's owner",
    webhook: true,
  },
  "run.failed": {
    label: "Run failed",
    description: "A provisioning run failed.",
    notifies: "the environment's owner",
    webhook: true,
  },
  "environment.extended": {
    label: "Environment extended",
    description: "An environment's expiry moved later (an extension took effect).",
    notifies: "the environment's owner and the extension's requester",
    webhook: true,
  },
  "environment.expiring": {
    label: "Environment expiring",
    description: "An environment expires in 24 hours, or in 1 hour.",
    notifies: "the environment's owner",
    webhook: true,
  },
  "environment.expired": {
    label: "Environment expired",
    description: "An environment's lifetime ran out: it is being destroyed.",
    notifies: "the environment's owner",
    webhook: true,
  },
  "environment.destroy_requested": {
    label: "Destroy requested",
    description: "Someone asked to destroy an environment: its destroy run is queued.",
    notifies: "the environment's owner, when someone else asked",
    webhook: true,
  },
  "environment.destroyed": {
    label: "Environment destroyed",
    description: "Every resource of an environment is gone.",
    notifies: "the environment's owner",
    webhook: true,
  },
  "environment.update_requested": {
    label: "Update requested",
    description: "Someone asked to change a live environment's parameters or template version.",
    notifies: "nobody (approvers get request.approval_needed)",
    webhook: true,
  },
  "environment.updated": {
    label: "Environment updated",
    description: "A change to a live environment took effect: it runs the new version and parameters.",
    notifies: "the environment's owner and the update's requester",
    webhook: true,
  },
  "environment.update_failed": {
    label: "Update failed",
    description: "A change to a live environment failed: a rollback run puts it back to its previous version and parameters.",
    notifies: "the environment's owner and the update's requester",
    webhook: true,
  },
  "environment.rolled_back": {
    label: "Environment rolled back",
    description: "After a failed update, the environment is back on its previous version and parameters.",
    notifies: "the environment's owner",
    webhook: true,
  },
  "environment.drifted": {
    label: "Environment drifted",
    description: "A drift check found resources changed, missing or added outside the portal (once per new drift).",
    notifies: "the environment's owner and the team's approvers",
    webhook: true,
  },
  "environment.reconciled": {
    label: "Environment reconciled",
    description: "A reconcile run put an environment's desired state back over its drift.",
    notifies: "the environment's owner and the team's approvers",
    webhook: true,
  },
  "slo.burn_rate_high": {
    label: "SLO burning fast",
    description: "A provisioning SLO started burning its error budget fast (1 h and 5 m burn rates above 14.4); sent once until it stops.",
    notifies: "admins",
    webhook: true,
  },
  "fleet.rollout_started": {
    label: "Fleet rollout started",
    description: "An admin started rolling a template version out over the fleet; published per team with the team's environments and their batches.",
    notifies: "the owners of the team's environments in the rollout (before their update)",
    webhook: true,
  },
  "fleet.batch_finished": {
    label: "Fleet rollout batch finished",
    description: "Every environment of a rollout batch succeeded, failed (and was rolled back) or was skipped; published per team in the batch.",
    notifies: "the owners of the team's environments in the batch (their result)",
    webhook: true,
  },
  "fleet.halted": {
    label: "Fleet rollout halted",
    description: "A batch's failures passed the rollout's threshold: no further batch starts until an admin resumes it.",
    notifies: "the admin who started the rollout",
    webhook: true,
  },
  "fleet.finished": {
    label: "Fleet rollout finished",
    description: "A rollout ended: every batch done, or cancelled by an admin.",
    notifies: "the admin who started the rollout",
    webhook: true,
  },
  "fleet.paused": {
    label: "Fleet rollout paused",
    description: "An admin paused a rollout: results of changes under way are still recorded, no further environment starts.",
    notifies: "nobody",
    webhook: true,
  },
  "fleet.resumed": {
    label: "Fleet rollout resumed",
    description: "An admin resumed a paused or halted rollout (after a halt, the next batch starts).",
    notifies: "nobody",
    webhook: true,
  },
} as const satisfies Record<string, EventSpec>;

export type EventType = keyof typeof eventTypes;

/** Prefix of every CloudEvent type Provisio sends: webhooks receive `dev.provisio.<event>`. */
export const cloudEventTypePrefix = "dev.provisio.";

export type SubscribableEventType = { [T in EventType]: (typeof eventTypes)[T]["webhook"] extends true ? T : never }[EventType];
export type SubscribableCloudEventType = `${typeof cloudEventTypePrefix}${SubscribableEventType}`;

export const eventTypeNames = Object.keys(eventTypes) as EventType[];
export const subscribableEventTypes = eventTypeNames.filter((t): t is SubscribableEventType => eventTypes[t].webhook);

export function isEventType(name: string): name is EventType {
  return Object.hasOwn(eventTypes, name);
}
