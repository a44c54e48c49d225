/** What the runner is given by its caller (the worker, or a test) and what a run comes to. */
import type { Engine } from "~/server/engines/engine";
import type { EngineName } from "~/server/engines/types";
import type { RetryOptions } from "./retry";

export type EngineRegistry = (name: EngineName) => Engine;

export type RunnerOptions = {
  workerId: string;
  engines: EngineRegistry;
  retry?: Omit<RetryOptions, "signal" | "onRetry">;
  /** Heartbeat interval and staleness (default: the run store's, from PROVISIO_RUN_HEARTBEAT_MS / _STALE_MS). */
  heartbeatMs?: number;
  staleMs?: number;
  /** The worker's shutdown: a running run stops at its next safe point and is handed back. */
  signal?: AbortSignal;
};

/**
 * succeeded / failed: recorded. handed_back: the worker is stopping, the run is queued again.
 * not_claimed: another worker holds it, or it is over. claim_lost: another worker took it over
 * while this one worked; this one stopped and recorded nothing.
 */
export type RunOutcome = "succeeded" | "failed" | "handed_back" | "not_claimed" | "claim_lost";
