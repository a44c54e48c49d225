/**
 * What every kind of run works with: its claim (the fencing token every write is checked
 * against), its log (queued, see run-log.ts), an abort signal that fires when the worker shuts
 * down or the claim is lost (detached from the worker's signal when the run ends: that signal
 * outlives thousands of runs), retries that say in the log what they wait for, and its engines.
 */
import type { Database } from "~/db/client";
import type { Run } from "~/db/schema";
import type { Engine, EngineContext, RunLogEvent } from "~/server/engines/engine";
import type { EngineName } from "~/server/engines/types";
import { countRetry, type Claim } from "~/server/runs/store";
import { classifyFailure, isRateLimit } from "./failure-cause";
import { defaultRetry, type RetryOptions } from "./retry";
import { RunLog } from "./run-log";
import type { RunnerOptions } from "./types";

export type RunScope = {
  db: Database;
  run: Run;
  claim: Claim;
  workerId: string;
  /** Queues a line of the run's log (never waits for the database). */
  log: (event: RunLogEvent) => void;
  lines: RunLog;
  signal: AbortSignal;
  retry: RetryOptions;
  engine: (name: string) => Engine;
  engineContext: (environmentId: string) => EngineContext;
};

export function runScope(db: Database, run: Run, claim: Claim, options: RunnerOptions, stops: AbortSignal[]) {
  const lines = new RunLog(db, run.id);
  const log = lines.write;
  const controller = new AbortController();
  const relays = stops.map((signal) => {
    const relay = () => controller.abort(signal.reason);
    if (signal.aborted) relay();
    else signal.addEventListener("abort", relay, { once: true });
    return () => signal.removeEventListener("abort", relay);
  });
  const retry: RetryOptions = {
    ...(options.retry ?? defaultRetry),
    signal: controller.signal,
    onRetry: async (attempt, delayMs, error) => {
      const rateLimited = isRateLimit(error);
      log({
        level: "warn",
        message: `${error.message}: retrying in ${delayMs} ms (attempt ${attempt + 1})`,
        data: { retry: attempt, cause: classifyFailure(error) },
      });
      // Counted on the run for the debug dashboard; a failed count must not fail the run.
      await countRetry(db, claim, rateLimited).catch(() => undefined);
    },
  };
  const scope: RunScope = {
    db,
    run,
    claim,
    workerId: options.workerId,
    log,
    lines,
    signal: controller.signal,
    retry,
    engine: (name) => options.engines(name as EngineName),
    engineContext: (environmentId) => ({ environmentId, log, signal: controller.signal }),
  };
  return {
    scope,
    /** Detaches from the worker's signal; call when the run ends, however it ends. */
    release: () => relays.forEach((detach) => detach()),
  };
}
