/** How catalog facts read on screen: categories, money ranges, durations, approvals. */
import { formatCents } from "~/components/ui/money";
import type { PolicySpec, Tier } from "~/server/templates/format";

const categoryLabels: Record<string, string> = {
  compute: "Compute",
  database: "Database",
  network: "Network",
  storage: "Storage",
  ml: "Machine learning",
  ci: "CI",
  kubernetes: "Kubernetes",
  security: "Security",
  messaging: "Messaging",
  web: "Web",
};

export function categoryLabel(category: string): string {
  return categoryLabels[category] ?? category;
}

export const tierLabels: Record<Tier, string> = { dev: "dev", staging: "staging", prod: "prod" };
export const tierTones = { dev: "slate", staging: "brand", prod: "amber" } as const;

/** Monthly cents as shown next to "/ month": "$66", "$4,381", with cents below $10 ("$0.40") so they do not read as "$0". */
export function formatMonthly(cents: number): string {
  if (cents > 0 && cents < 1000 && cents % 100 !== 0) return `$${(cents / 100).toFixed(2)}`;
  return formatCents(cents);
}

/** "$66 – $4,381 / month", or "$66 / month" when the price does not depend on the parameters. */
export function formatCostRange(minCents: number, maxCents: number): string {
  if (formatMonthly(minCents) === formatMonthly(maxCents)) return `${formatMonthly(minCents)} / month`;
  return `${formatMonthly(minCents)} – ${formatMonthly(maxCents)} / month`;
}

/** "3d" → "3 days", "12h" → "12 hours", "1d" → "1 day". */
export function formatDuration(value: string): string {
  const match = /^(\d+)(h|d)$/.exec(value);
  if (!match) return value;
  const n = Number(match[1]);
  const unit = match[2] === "d" ? "day" : "hour";
  return `${n} ${unit}${n === 1 ? "" : "s"}`;
}

type Stage = { from: "team_approver" | "admin"; count: number };

export function describeApprover(from: Stage["from"], count: number): string {
  const noun = from === "admin" ? "admin" : "team approver";
  return `${count} ${noun}${count === 1 ? "" : "s"}`;
}

/** [] → "Auto-approved"; stages → "1 team approver, then 1 admin". */
export function describeApprovals(stages: readonly Stage[] | undefined): string {
  if (!stages) return "Not allowed";
  if (stages.length === 0) return "Auto-approved";
  return stages.map((s) => describeApprover(s.from, s.count)).join(", then ");
}

export function describeCostApproval(costApproval: PolicySpec["costApproval"]): string | null {
  if (!costApproval) return null;
  return `Above ${formatCents(costApproval.aboveMonthlyUsd * 100)}/month: also ${describeApprover(costApproval.from, costApproval.count)}`;
}

const dateFormat = new Intl.DateTimeFormat("en-GB", { dateStyle: "medium", timeZone: "UTC" });
const dateTimeFormat = new Intl.DateTimeFormat("en-GB", { dateStyle: "medium", timeStyle: "short", timeZone: "UTC" });

export function formatDate(date: Date | string | null): string {
  return date ? dateFormat.format(new Date(date)) : "–";
}

export function formatDateTime(date: Date | string | null): string {
  return date ? `${dateTimeFormat.format(new Date(date))} UTC` : "–";
}
