/** How environment facts read on screen: statuses, expiry countdowns, run timings (money and times: components/format). Pure and browser-safe. */
import { formatDuration } from "~/components/format/time";
import type { EnvironmentStatus } from "~/db/vocabulary";

type Tone = "slate" | "brand" | "green" | "amber" | "red";

export const environmentStatusLabels: Record<EnvironmentStatus, string> = {
  provisioning: "Provisioning",
  ready: "Ready",
  failed: "Failed",
  destroying: "Destroying",
  destroyed: "Destroyed",
};

export const environmentStatusTones: Record<EnvironmentStatus, Tone> = {
  provisioning: "brand",
  ready: "green",
  failed: "red",
  destroying: "amber",
  destroyed: "slate",
};

export const runKindLabels: Record<string, string> = { apply: "Apply", destroy: "Destroy", drift: "Drift check", update: "Update" };
export const runStatusTones: Record<string, Tone> = { queued: "slate", running: "brand", succeeded: "green", failed: "red", cancelled: "slate" };

export const destroyReasonLabels: Record<string, string> = {
  expired: "it expired",
  owner: "its owner asked",
  approver: "a team approver asked",
  admin: "an admin asked",
};

export type Countdown = { text: string; tone: Tone; expired: boolean };

/** Time left until `expiresAt`: "in 2 d 3 h" (amber under a day, red under an hour), or "expired 3 h ago". */
export function countdown(expiresAt: Date | string, now: Date | number): Countdown {
  const left = new Date(expiresAt).getTime() - (typeof now === "number" ? now : now.getTime());
  if (left <= 0) return { text: `expired ${formatDuration(-left)} ago`, tone: "red", expired: true };
  return { text: `in ${formatDuration(left)}`, tone: left < 3_600_000 ? "red" : left < 86_400_000 ? "amber" : "slate", expired: false };
}

/** How long a run took (or has been running): "1 min 12 s"; "–" before it started. */
export function runDuration(run: { startedAt: Date | string | null; finishedAt: Date | string | null }, now: Date | number = Date.now()): string {
  if (!run.startedAt) return "–";
  const end = run.finishedAt ? new Date(run.finishedAt).getTime() : typeof now === "number" ? now : now.getTime();
  return formatDuration(end - new Date(run.startedAt).getTime());
}
