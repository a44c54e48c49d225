/** How request facts read on screen: statuses, money, hours, times, approval stages. */
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

export function statusTone(status: string): Tone {
  return statusTones[status as RequestStatus] ?? "slate";
}

function withThousands(whole: number): string {
  return String(whole).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
}

/** Integer cents: "$1,234", with cents below $10 so small amounts do not read as "$0" ("$0.40"). Negative with a minus sign. */
export function money(cents: number): string {
  if (cents < 0) return `−${money(-cents)}`;
  if (cents > 0 && cents < 1000 && cents % 100 !== 0) return `$${(cents / 100).toFixed(2)}`;
  return `$${withThousands(Math.round(cents / 100))}`;
}

/** Micro-dollars per hour: "$0.0416/h", "$5.09/h"; "free" when nothing. */
export function hourly(micros: number): string {
  if (micros === 0) return "free";
  const dollars = micros / 1_000_000;
  return `$${dollars >= 1 ? dollars.toFixed(2) : dollars.toFixed(4)}/h`;
}

/** 72 → "3 days", 36 → "36 hours", 1 → "1 hour". */
export function hoursText(hours: number): string {
  if (hours >= 24 && hours % 24 === 0) return plural(hours / 24, "day");
  return plural(hours, "hour");
}

export function plural(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? "" : "s"}`;
}

const dateTimeFormat = new Intl.DateTimeFormat("en-GB", { dateStyle: "medium", timeStyle: "short", timeZone: "UTC" });

export function dateTime(date: Date | string | null | undefined): string {
  return date ? `${dateTimeFormat.format(new Date(date))} UTC` : "–";
}

const units: [Intl.RelativeTimeFormatUnit, number][] = [
  ["year", 365 * 86_400],
  ["month", 30 * 86_400],
  ["week", 7 * 86_400],
  ["day", 86_400],
  ["hour", 3_600],
  ["minute", 60],
];
const relativeFormat = new Intl.RelativeTimeFormat("en", { numeric: "auto" });

/** "just now", "5 minutes ago", "in 3 days". */
export function relativeTime(date: Date | string, now: Date = new Date()): string {
  const seconds = Math.round((new Date(date).getTime() - now.getTime()) / 1000);
  if (Math.abs(seconds) < 45) return "just now";
  for (const [unit, size] of units) {
    if (Math.abs(seconds) >= size) return relativeFormat.format(Math.round(seconds / size), unit);
  }
  return relativeFormat.format(Math.round(seconds / 60), "minute");
}

const roleNoun = { team_approver: { one: "team approver", many: "team approvers" }, admin: { one: "admin", many: "admins" } } as const;

/** "2 team approvers", "1 admin". */
export function stageWho(stage: Pick<ApprovalStage, "role" | "count">): string {
  const noun = roleNoun[stage.role];
  return `${stage.count} ${stage.count === 1 ? noun.one : noun.many}`;
}

/** "1 of 2 team approvals", "0 of 1 admin approval". */
export function stageProgress(stage: Pick<ApprovalStage, "role" | "count">, remaining: number): string {
  const done = Math.max(0, stage.count - remaining);
  const kind = stage.role === "admin" ? "admin" : "team";
  return `${done} of ${stage.count} ${kind} approval${stage.count === 1 ? "" : "s"}`;
}

export const capacityLabel = { team_approver: "team approver", admin: "admin" } as const;
