/** How request facts read on screen: statuses and approval stages (money and times: components/format). */
import { plural } from "~/components/format/plural";
import type { RequestStatus } from "~/db/vocabulary";
import type { ApprovalStage } from "./types";

type Tone = "slate" | "brand" | "green" | "amber" | "red";

export const statusLabels: Record<RequestStatus, string> = {
  pending_approval: "Pending approval",
  approved: "Approved",
  queued: "Queued",
  provisioning: "Provisioning",
  ready: "Ready",
  failed: "Failed",
  rejected: "Rejected",
  cancelled: "Cancelled",
  applied: "Applied",
  destroyed: "Destroyed",
};

export const statusTones: Record<RequestStatus, Tone> = {
  pending_approval: "amber",
  approved: "brand",
  queued: "brand",
  provisioning: "brand",
  ready: "green",
  failed: "red",
  rejected: "red",
  cancelled: "slate",
  applied: "green",
  destroyed: "slate",
};

export function statusLabel(status: string): string {
  return statusLabels[status as RequestStatus] ?? status.replace(/_/g, " ");
}

/**
 * The request's status as the page shows it, from what is happening to its run: the request
 * table says "queued" until a worker opens the apply and "provisioning" from then on, but a
 * person reads the run: while it runs, the request is "Provisioning", whatever the row says.
 */
export function shownRequestStatus(status: string, latestRunStatus: string | null | undefined): { label: string; tone: Tone } {
  if ((status === "queued" || status === "approved" || status === "provisioning") && latestRunStatus === "running") {
    return { label: "Provisioning", tone: "brand" };
  }
  return { label: statusLabel(status), tone: statusTone(status) };
}

export function statusTone(status: string): Tone {
  return statusTones[status as RequestStatus] ?? "slate";
}

const roleNoun = { team_approver: { one: "team approver", many: "team approvers" }, admin: { one: "admin", many: "admins" } } as const;

/** "2 team approvers", "1 admin". */
export function stageWho(stage: Pick<ApprovalStage, "role" | "count">): string {
  const noun = roleNoun[stage.role];
  return plural(stage.count, noun.one, noun.many);
}

/** "1 of 2 team approvals", "0 of 1 admin approval". */
export function stageProgress(stage: Pick<ApprovalStage, "role" | "count">, remaining: number): string {
  const done = Math.max(0, stage.count - remaining);
  const kind = stage.role === "admin" ? "admin" : "team";
  return `${done} of ${plural(stage.count, `${kind} approval`)}`;
}

export const capacityLabel = { team_approver: "team approver", admin: "admin" } as const;
