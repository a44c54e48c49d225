/**
 * The one dispatcher of runs: claim (through the run store), heartbeat while working, then the
 * kind's load → execute → (cleanUp) → finish (kinds/), and the outcome recorded in one
 * transaction that only commits while this worker still holds the run. A worker that lost its
 * claim (its heartbeat found another holder, or completing was refused) stops and records
 * nothing; a stopping worker hands the run back.
 */
import type { Database } from "~/db/client";
import type { Run } from "~/db/schema";
import { IllegalTransitionError } from "~/server/core/lifecycle";
import { EngineError } from "~/server/engines/engine";
import { StatementRefusedError, sendTogether } from "~/db/together";
import {
  assertHeld,
  claimOf,
  claimRun,
  ClaimLostError,
  completeRun,
  failRun,
  handBackRun,
  holdClaim,
  outcomeWrite,
  type ClaimHold,
} from "~/server/runs/store";
import { classifyFailure } from "./failure-cause";
import { runKindHandlers } from "./kinds";
import type { AnyRunKindHandler, Outcome, OutcomeParts } from "./kinds/types";
import { insertLines } from "./run-log";
import { runScope, type RunScope } from "./scope";
import { refusedMove } from "./status";
import type { RunnerOptions, RunOutcome } from "./types";

/** Runs (or resumes) a run of any kind. Safe to call twice: only one worker holds a run at a time. */
export async function executeRun(db: Database, runId: string, options: RunnerOptions): Promise<RunOutcome> {
  const run = await claimRun(db, runId, options.workerId, { staleMs: options.staleMs });
  if (!run) return "not_claimed";
  return executeClaimedRun(db, run, options);
}

/**
 * Executes a run this worker has just claimed (claimRun, or created claimed). `loaded`: what the
 * kind's load would return, when the statement that opened the run read it already.
 */
export async function executeClaimedRun(db: Database, run: Run, options: RunnerOptions, loaded?: unknown): Promise<RunOutcome> {
  const claim = claimOf(run);
  const hold = holdClaim(db, claim, { intervalMs: options.heartbeatMs, staleMs: options.staleMs });
  const { scope, release } = runScope(db, run, claim, options, options.signal ? [hold.signal, options.signal] : [hold.signal]);
  try {
    const handler = runKindHandlers[run.kind];
    if (!handler) {
      await record(scope, { status: "failed", error: new Error(`runs of kind ${run.kind} are not executed by this runner`), summary: "" }, null);
      return "failed";
    }
    return await dispatch(scope, handler, hold, loaded);
  } catch (error) {
    if (error instanceof RunNotRecordedError) return "failed";
    if (!(error instanceof ClaimLostError)) throw error;
    scope.log({ level: "warn", message: `Stopped without recording an outcome: ${error.message}` });
    return "claim_lost";
  } finally {
    hold.stop();
    release();
    await scope.lines.close();
  }
}

const permanent = (error: unknown) => error instanceof EngineError && error.kind === "permanent";

async function dispatch(scope: RunScope, handler: AnyRunKindHandler, hold: ClaimHold, preloaded: unknown): Promise<RunOutcome> {
  const loaded: unknown = preloaded !== undefined ? preloaded : await handler.load(scope.db, scope.run);
  let outcome: Outcome<unknown>;
  try {
    outcome = { status: "succeeded", result: await handler.execute(scope, loaded) };
  } catch (caught) {
    if (hold.lost) throw hold.lost;
    if (caught instanceof ClaimLostError) throw caught;
    const error = caught instanceof Error ? caught : new Error(String(caught));
    if (scope.signal.aborted && !permanent(error)) {
      scope.log({ level: "warn", message: `Worker is shutting down: ${handler.noun} handed back, it resumes on the next worker` });
      await scope.lines.transaction((tx) => handBackRun(tx, scope.claim));
      return "handed_back";
    }
    // Undoing work (a cleanup) is for the holder only: another worker may be applying by now.
    await assertHeld(scope.db, scope.claim);
    const summary = handler.cleanUp ? await handler.cleanUp(scope, loaded, error) : error.message;
    outcome = { status: "failed", error, summary };
  }
  await record(scope, outcome, { handler, loaded });
  return outcome.status;
}

/**
 * The outcome, in one transaction: the run's status first (refused unless this worker holds it)
 * with the log lines queued so far, then the kind's records and the lines they log (or the
 * kind's records first and the status last: statusLast in kinds/types.ts). When the environment or request refuses the transition
 * (changed by hand meanwhile), the run alone is failed, saying why, instead of being retried
 * forever against a row that will never accept it.
 */
async function record(scope: RunScope, outcome: Outcome<unknown>, kind: { handler: AnyRunKindHandler; loaded: unknown } | null): Promise<void> {
  try {
    if (kind?.handler.finishTogether && (await recordTogether(scope, outcome, kind))) return;
    await scope.lines.transaction(async (tx, take) => {
      // The run's status, refused (ClaimLostError, all rolled back) unless this worker holds it,
      // with the lines queued so far.
      const mark = async () => {
        const lines = take();
        const logged = lines.length ? insertLines(scope.run.id, lines) : undefined;
        if (outcome.status === "succeeded") await completeRun(tx, scope.claim, logged);
        else await failRun(tx, scope.claim, outcome.error.message, classifyFailure(outcome.error), logged);
      };
      if (!kind?.handler.statusLast) await mark();
      await kind?.handler.finish(tx, scope, kind.loaded, outcome, take);
      if (kind?.handler.statusLast) await mark();
    });
  } catch (error) {
    if (!(error instanceof IllegalTransitionError)) throw error;
    const message = `the outcome (${outcome.status}) could not be recorded: ${error.message}`;
    scope.log({ level: "error", message: `Run stopped: ${message}` });
    await scope.lines.transaction(async (tx) => {
      await kind?.handler.keepWhenRefused?.(tx, scope, outcome);
      await failRun(tx, scope.claim, message);
    });
    throw new RunNotRecordedError(message);
  }
}

/**
 * record in one statement, no transaction (kinds with finishTogether): the kind's records, the
 * run's status and the log lines. A lost claim or a refused environment move refuses the whole
 * statement (db/together.ts), so nothing is written, as a rolled-back transaction would. False when
 * the kind needs its transaction for this outcome.
 */
async function recordTogether(scope: RunScope, outcome: Outcome<unknown>, kind: { handler: AnyRunKindHandler; loaded: unknown }): Promise<boolean> {
  const status =
    outcome.status === "succeeded"
      ? ({ status: "succeeded" } as const)
      : ({ status: "failed", error: outcome.error.message, failureCause: classifyFailure(outcome.error) } as const);
  // The environment's move, for the error when the row refuses it.
  let move: OutcomeParts["environment"] | undefined;
  try {
    return await scope.lines.together(async (take) => {
      // Built here, so the lines it logs go out with it.
      const parts = kind.handler.finishTogether?.(scope.db, scope, kind.loaded, outcome);
      if (!parts) return false;
      move = parts.environment;
      const lines = take();
      await sendTogether(scope.db, {
        required: { run_held: outcomeWrite(scope.db, scope.claim, status), environment_moved: parts.environment.write },
        named: parts.named,
        writes: [...parts.writes, lines.length ? insertLines(scope.run.id, lines) : null],
        calls: parts.calls,
      });
      return true;
    });
  } catch (error) {
    if (!(error instanceof StatementRefusedError) || !move) throw error;
    if (error.refusal === "run_held") throw new ClaimLostError(scope.claim, `it could not be marked ${outcome.status}`);
    throw await refusedMove(scope.db, { id: move.id, status: move.from }, move.to);
  }
}

/** The run was failed because its outcome could not be recorded (see record). */
export class RunNotRecordedError extends Error {}
