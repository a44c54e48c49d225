/** How environment facts read on screen: statuses, expiry countdowns, money to the cent, run timings. Pure and browser-safe. */
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

/** Integer cents with the cents shown: "$0.42", "$1,234.56". Accrued cost grows by cents, so it is never rounded to dollars. */
export function moneyExact(cents: number): string {
  const sign = cents < 0 ? "−" : "";
  const abs = Math.abs(Math.round(cents));
  const whole = String(Math.floor(abs / 100)).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  return `${sign}$${whole}.${String(abs % 100).padStart(2, "0")}`;
}

/** Milliseconds as the two largest units: "2 d 3 h", "5 h 12 min", "12 min 5 s", "45 s". */
export function durationText(ms: number): string {
  const seconds = Math.max(0, Math.floor(ms / 1000));
  const d = Math.floor(seconds / 86_400);
  const h = Math.floor((seconds % 86_400) / 3_600);
  const m = Math.floor((seconds % 3_600) / 60);
  const s = seconds % 60;
  if (d > 0) return h > 0 ? `${d} d ${h} h` : `${d} d`;
  if (h > 0) return m > 0 ? `${h} h ${m} min` : `${h} h`;
  if (m > 0) return s > 0 && m < 10 ? `${m} min ${s} s` : `${m} min`;
  return `${s} s`;
}

export type Countdown = { text: string; tone: Tone; expired: boolean };

/** Time left until `expiresAt`: "in 2 d 3 h" (amber under a day, red under an hour), or "expired 3 h ago". */
export function countdown(expiresAt: Date | string, now: Date | number): Countdown {
  const left = new Date(expiresAt).getTime() - (typeof now === "number" ? now : now.getTime());
  if (left <= 0) return { text: `expired ${durationText(-left)} ago`, tone: "red", expired: true };
  return { text: `in ${durationText(left)}`, tone: left < 3_600_000 ? "red" : left < 86_400_000 ? "amber" : "slate", expired: false };
}

/** How long a run took (or has been running): "1 min 12 s"; "–" before it started. */
export function runDuration(run: { startedAt: Date | string | null; finishedAt: Date | string | null }, now: Date | number = Date.now()): string {
  if (!run.startedAt) return "–";
  const end = run.finishedAt ? new Date(run.finishedAt).getTime() : typeof now === "number" ? now : now.getTime();
  return durationText(end - new Date(run.startedAt).getTime());
}
