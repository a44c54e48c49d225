/**
 * What every kind of run needs around its work: its log, an abort signal that follows the
 * worker's shutdown (detached when the run ends: the worker's signal outlives thousands of
 * runs), retries that say in the log what they wait for, and the hand-back that re-queues a run
 * a stopping worker could not finish.
 */
import { eq } from "drizzle-orm";
import { enqueue } from "~/server/jobs/registry";
import type { Database, Executor } from "~/db/client";
import { runs } from "~/db/schema";
import type { RunLogEvent } from "~/server/engines/engine";
import { defaultRetry, type RetryOptions } from "./retry";
import { appendRunEvent } from "./run-log";

export type RunLog = (event: RunLogEvent) => Promise<void>;
type ScopeOptions = { retry?: Omit<RetryOptions, "signal" | "onRetry">; signal?: AbortSignal };

export function runScope(db: Database, runId: string, options: ScopeOptions) {
  const log: RunLog = (event) => appendRunEvent(db, runId, event);
  const controller = new AbortController();
  const relayAbort = () => controller.abort(options.signal?.reason);
  if (options.signal?.aborted) relayAbort();
  else options.signal?.addEventListener("abort", relayAbort, { once: true });
  const retry: RetryOptions = {
    ...(options.retry ?? defaultRetry),
    signal: controller.signal,
    onRetry: (attempt, delayMs, error) => log({ level: "warn", message: `${error.message}: retrying in ${delayMs} ms (attempt ${attempt + 1})` }),
  };
  return {
    log,
    signal: controller.signal,
    retry,
    /** Detaches from the worker's signal; call when the run ends, however it ends. */
    release: () => options.signal?.removeEventListener("abort", relayAbort),
  };
}

/** Queues the worker job that executes (or resumes) a run; its key makes a second enqueue a no-op. */
export async function enqueueRun(tx: Executor, runId: string): Promise<void> {
  await enqueue(tx, "resumeRun", { runId });
}

/** A stopping worker gives the run back: queued again, resumed by the next worker. */
export async function handBack(db: Database, runId: string, log: RunLog, what: string): Promise<"handed_back"> {
  await db.update(runs).set({ status: "queued", workerId: null }).where(eq(runs.id, runId));
  await enqueueRun(db, runId);
  await log({ level: "warn", message: `Worker is shutting down: ${what} handed back, it resumes on the next worker` });
  return "handed_back";
}
