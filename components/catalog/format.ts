/** How catalog facts read on screen: categories, money ranges, durations, approvals. */
import { formatCents } from "~/components/format/money";
import { plural } from "~/components/format/plural";
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

/** "$66 – $4,381 / month", or "$66 / month" when the price does not depend on the parameters. */
export function formatCostRange(minCents: number, maxCents: number): string {
  if (formatCents(minCents) === formatCents(maxCents)) return `${formatCents(minCents)} / month`;
  return `${formatCents(minCents)} – ${formatCents(maxCents)} / month`;
}

/** "3d" → "3 days", "12h" → "12 hours", "1d" → "1 day". */
export function formatDuration(value: string): string {
  const match = /^(\d+)(h|d)$/.exec(value);
  if (!match) return value;
  return plural(Number(match[1]), match[2] === "d" ? "day" : "hour");
}

type Stage = { from: "team_approver" | "admin"; count: number };

export function describeApprover(from: Stage["from"], count: number): string {
  return plural(count, from === "admin" ? "admin" : "team approver");
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
