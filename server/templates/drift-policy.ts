/** The drift policy of a template, with its defaults: how often each tier is checked, and whether drift is put back without asking. */
import { durationHours, type PolicySpec, type Tier } from "./format";

export const defaultDriftCheckHours: Record<Tier, number> = { dev: 24, staging: 6, prod: 1 };

export function driftCheckIntervalMs(policy: PolicySpec, tier: Tier): number {
  const every = policy.drift?.checkEvery?.[tier];
  return (every ? durationHours(every) : defaultDriftCheckHours[tier]) * 3_600_000;
}

export function autoReconciles(policy: PolicySpec, tier: Tier): boolean {
  return policy.drift?.autoReconcile?.[tier] === true;
}

/**
 * Where in its interval an environment's checks fall: a stable hash of its id spread over the
 * interval, so a fleet created at once is never checked at once.
 */
export function driftPhaseMs(environmentId: string, intervalMs: number): number {
  let hash = 2166136261;
  for (let i = 0; i < environmentId.length; i++) hash = Math.imul(hash ^ environmentId.charCodeAt(i), 16777619) >>> 0;
  return hash % Math.max(1, intervalMs);
}

/**
 * The first check due after `from` + `minGapMs`: on the environment's phase of the interval.
 * After a check, the gap is half an interval: a check made off its phase ("Check now", the check
 * that confirms a reconcile) is otherwise followed by a scheduled one as soon as the phase comes
 * round, possibly seconds later (the drift bench's 1,002 checks for 1,000 environments).
 */
export function nextDriftCheckAt(environmentId: string, intervalMs: number, from: Date, minGapMs = 0): Date {
  const phase = driftPhaseMs(environmentId, intervalMs);
  const t = from.getTime() + minGapMs;
  const slot = Math.floor((t - phase) / intervalMs) * intervalMs + phase;
  return new Date(slot > t ? slot : slot + intervalMs);
}
