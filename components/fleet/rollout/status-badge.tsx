import { Badge } from "~/components/ui/page";

const rolloutTones = { running: "brand", paused: "amber", halted: "red", cancelled: "slate", finished: "green" } as const;
const targetTones = {
  pending: "slate",
  skipped: "slate",
  awaiting_approval: "amber",
  running: "brand",
  succeeded: "green",
  failed: "red",
} as const;

/** A rollout's status as a badge. */
export function RolloutStatusBadge({ status }: { status: keyof typeof rolloutTones }) {
  return <Badge tone={rolloutTones[status]}>{status}</Badge>;
}

/** One environment's result in a rollout: "failed, rolled back" says the rollback put it back. */
export function TargetStatusBadge({ status, rolledBack }: { status: keyof typeof targetTones; rolledBack: boolean | null }) {
  const words = status === "awaiting_approval" ? "awaiting approval" : status === "failed" && rolledBack ? "failed, rolled back" : status;
  return <Badge tone={targetTones[status]}>{words}</Badge>;
}
