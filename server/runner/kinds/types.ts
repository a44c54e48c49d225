/**
 * The one small interface every kind of run implements (apply, destroy, update, and the kinds
 * the next issues add). The dispatcher (server/runner/execute.ts) claims the run, heartbeats,
 * calls these in order, and records the outcome through the run store:
 *
 *   load     everything the run needs, in one query where it can
 *   execute  the work, through the engine; throws to fail; stops at scope.signal
 *   cleanUp  (optional) after a failed execute, while still holding the run: what the policy
 *            says to undo; returns the failure summary
 *   finish   the outcome's records (environment, request, audit, events, last log line),
 *            inside the transaction that completes or fails the run (so only for its holder)
 *   finishTogether  (optional) the same records as parts of ONE statement with the run's status
 *            and the log lines: one round trip instead of a transaction of several
 *   keepWhenRefused  (optional) when the environment refuses the outcome: the records kept anyway
 */
import type { SQL, SQLWrapper } from "drizzle-orm";
import type { Database, Executor, Transaction } from "~/db/client";
import type { Run } from "~/db/schema";
import type { EnvironmentStatus } from "~/db/vocabulary";
import type { LogLine } from "../run-log";
import type { RunScope } from "../scope";

export type Outcome<R> = { status: "succeeded"; result: R } | { status: "failed"; error: Error; summary: string };

/**
 * An outcome's records as parts of one statement (db/together.ts): the environment's move, which
 * must happen (refused, nothing is written and the run fails saying why), other writes, and named
 * CTEs with the calls that read them (events' webhook deliveries and their jobs).
 */
export type OutcomeParts = {
  environment: { write: SQLWrapper; id: string; from: EnvironmentStatus; to: EnvironmentStatus };
  writes: SQLWrapper[];
  named: Record<string, SQLWrapper>;
  calls: SQL[];
};

export type RunKindHandler<Loaded, Result> = {
  /** How the log names this run when a stopping worker hands it back ("destroy handed back"). */
  noun: string;
  load(db: Database, run: Run): Promise<Loaded>;
  execute(scope: RunScope, loaded: Loaded): Promise<Result>;
  cleanUp?(scope: RunScope, loaded: Loaded, error: Error): Promise<string>;
  /** `take`: the log lines not written yet, for a statement of finish's own to insert (insertLines); the rest are written after it. */
  finish(tx: Transaction, scope: RunScope, loaded: Loaded, outcome: Outcome<Result>, take: () => LogLine[]): Promise<void>;
  /**
   * The run's own status is written after finish, as the transaction's last statement, instead of
   * first. For kinds whose finish does not need the run finished (it opens no next run): the
   * runs row's triggers lock the SLO rollup's shared daily row (slo_run_days), and written last
   * that lock is held until commit for one round trip instead of the whole outcome, so runs
   * finishing together do not queue behind each other. A lost claim still rolls everything back.
   */
  statusLast?: boolean;
  /**
   * finish as parts of one statement, which the dispatcher completes with the run's status (only
   * for the holder: a lost claim writes nothing) and the log lines, and sends without a
   * transaction. Null: this outcome needs finish's transaction (decided before logging anything).
   */
  finishTogether?(db: Executor, scope: RunScope, loaded: Loaded, outcome: Outcome<Result>): OutcomeParts | null;
  /**
   * When the environment or request refuses the outcome (the run is failed instead, saying why):
   * what the outcome would have recorded that must be kept anyway (an apply's last resource ready),
   * in the transaction that fails the run.
   */
  keepWhenRefused?(tx: Transaction, scope: RunScope, outcome: Outcome<Result>): Promise<void>;
};

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the table holds handlers of every Loaded/Result pair
export type AnyRunKindHandler = RunKindHandler<any, any>;

export const defineRunKind = <L, R>(handler: RunKindHandler<L, R>) => handler;
