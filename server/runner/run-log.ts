/**
 * A run's log, off the critical path. `write` queues a line (stamped with the moment it was
 * written) and returns at once; the queue is written with the run's next bookkeeping statement
 * (in the same round trip, see bookkeeping.ts) or, when none comes within `delayMs`, by a
 * background insert. Lines keep their order: a statement that takes the queue first waits for a
 * background insert in flight. Before any state change the queue is taken into that change's
 * statement or transaction, so the log never lags behind what it describes; `close` writes what
 * is left. Each insert announces its lines to live streams (the run_events trigger).
 */
import { sql, type SQL } from "drizzle-orm";
import type { Database, Executor, Transaction } from "~/db/client";
import { runEvents } from "~/db/schema";
import type { RunLogEvent } from "~/server/engines/engine";
import { logger } from "~/server/logger";

export type LogLine = RunLogEvent & { at: Date };

/** An INSERT of `lines` into the run's log, in order; for a CTE or a statement of its own. */
export function insertLines(runId: string, lines: readonly LogLine[]): SQL {
  const json = JSON.stringify(
    lines.map((l) => ({ at: l.at.toISOString(), level: l.level, message: l.message, address: l.address ?? null, data: l.data ?? null })),
  );
  return sql`insert into ${runEvents} (run_id, at, level, message, address, data)
    select ${runId}::uuid, (e.v->>'at')::timestamptz, e.v->>'level', e.v->>'message', e.v->>'address', nullif(e.v->'data', 'null'::jsonb)
    from jsonb_array_elements(${json}::jsonb) with ordinality as e(v, n) order by e.n`;
}

const notSent = new Error("not sent");

export class RunLog {
  private pending: LogLine[] = [];
  private inFlight: Promise<void> | null = null;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly db: Database,
    readonly runId: string,
    private readonly delayMs = 25,
  ) {}

  /** Queues one line; it reaches the table with the next statement, or within delayMs. */
  readonly write = (event: RunLogEvent): void => {
    this.pending.push({ ...event, at: new Date() });
    this.schedule();
  };

  /**
   * Runs `statement` with the queued lines (which it must insert), taking them off the queue;
   * put back in front if the statement fails, so nothing is lost or reordered.
   */
  async with<T>(statement: (lines: LogLine[]) => Promise<T>): Promise<T> {
    while (this.inFlight) await this.inFlight;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const lines = this.pending;
    this.pending = [];
    // Adopted once: a drizzle query is a thenable that runs again on each `then` (the handler below and the await).
    const running = Promise.resolve(statement(lines));
    // Lines written meanwhile wait for this statement: they must come after its lines.
    this.inFlight = running.then(
      () => undefined,
      () => this.requeue(lines),
    );
    try {
      return await running;
    } finally {
      this.inFlight = null;
      if (this.pending.length) this.schedule();
    }
  }

  /** Writes the queued lines now, on `executor` (a transaction that changes state, or the pool). */
  async flush(executor: Executor = this.db): Promise<void> {
    await this.with(async (lines) => {
      if (lines.length) await executor.execute(insertLines(this.runId, lines));
    });
  }

  /**
   * Runs `work` in a transaction that ends by writing the log: the lines queued before it and
   * those `work` itself writes (the change and the lines describing it commit together). `work`
   * may `take` them earlier, to insert them with one of its own statements (insertLines as a
   * CTE: no round trip of their own). Rolled back, the lines go back to the queue in order.
   */
  async transaction<T>(work: (tx: Transaction, take: () => LogLine[]) => Promise<T>): Promise<T> {
    return this.taking((take) =>
      this.db.transaction(async (tx) => {
        const result = await work(tx, take);
        const lines = take();
        if (lines.length) await tx.execute(insertLines(this.runId, lines));
        return result;
      }),
    ).then(({ result }) => result);
  }

  /**
   * Runs `work`, which sends one statement (no transaction) that inserts the lines it `take`s:
   * true when it sent it. Lines it did not take, or took for a statement that failed or that it did
   * not send (false), go back to the queue in order.
   */
  async together(work: (take: () => LogLine[]) => Promise<boolean>): Promise<boolean> {
    try {
      const { untaken } = await this.taking(async (take) => {
        if (!(await work(take))) throw notSent;
      });
      if (untaken.length) {
        this.requeue(untaken);
        this.schedule();
      }
      return true;
    } catch (error) {
      // Everything taken went back to the queue (as after a failed statement).
      if (error === notSent) return false;
      throw error;
    }
  }

  /** `with`, and `take` for `work`: every line queued so far, each handed out once. */
  private async taking<T>(work: (take: () => LogLine[]) => Promise<T>): Promise<{ result: T; untaken: LogLine[] }> {
    return this.with(async (before) => {
      let unwritten = before;
      // Every line taken off the queue during the work (`before` is put back by `with` on failure).
      const during: LogLine[] = [];
      const take = () => {
        during.push(...this.pending);
        const lines = [...unwritten, ...this.pending];
        unwritten = [];
        this.pending = [];
        return lines;
      };
      try {
        return { result: await work(take), untaken: unwritten };
      } catch (error) {
        this.requeue(during);
        throw error;
      }
    });
  }

  /** Writes what is left; the run is over. A failure is logged (the lines are lost), never thrown. */
  async close(): Promise<void> {
    try {
      await this.flush();
    } catch (error) {
      logger.error(
        { runId: this.runId, err: error, lines: this.pending.length },
        `run ${this.runId}: could not write ${this.pending.length} log lines`,
      );
    }
  }

  private failures = 0;

  private schedule() {
    // Backs off while the database refuses the lines (they stay queued, in order).
    this.timer ??= setTimeout(() => this.background(), Math.min(2_000, this.delayMs * 2 ** this.failures));
  }

  private requeue(lines: LogLine[]) {
    this.pending = [...lines, ...this.pending];
  }

  private background() {
    this.timer = null;
    if (this.pending.length === 0) return;
    if (this.inFlight) return; // the statement in flight schedules the rest when it is done
    const lines = this.pending;
    this.pending = [];
    this.inFlight = this.db
      .execute(insertLines(this.runId, lines))
      .then(
        () => {
          this.failures = 0;
        },
        (error: unknown) => {
          this.failures++;
          logger.warn({ runId: this.runId, err: error, failures: this.failures }, `run ${this.runId}: log lines not written yet, trying again`);
          this.requeue(lines);
        },
      )
      .finally(() => {
        this.inFlight = null;
        if (this.pending.length) this.schedule();
      });
  }
}
