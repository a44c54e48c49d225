/**
 * Structured logs for the job runner: every job logs when it starts, finishes and fails, as one
 * JSON line each, with the job's name, id and attempt and a correlation id: the request, run,
 * environment or delivery the job works on (from its payload), so a request's log lines can be
 * found by the same id its audit timeline uses. graphile-worker's own messages, and those tasks
 * write through `helpers.logger`, go to the same JSON log.
 */
import { Logger as GraphileLogger, type JobHelpers, type Task, type TaskList } from "graphile-worker";
import { performance } from "node:perf_hooks";
import type { Logger } from "pino";
import { logger as rootLogger } from "~/server/logger";

/** Payload fields that name what a job works on, most specific to the request first. */
const subjectKeys = ["requestId", "runId", "environmentId", "deliveryId"] as const;

/** The id a job's log lines are correlated by: the request (or run, environment, delivery) it works on, else the job itself. */
export function jobCorrelation(payload: unknown, jobId: string): { correlationId: string; subject: Record<string, string> } {
  const subject: Record<string, string> = {};
  if (payload && typeof payload === "object") {
    for (const key of subjectKeys) {
      const value = (payload as Record<string, unknown>)[key];
      if (typeof value === "string" && value.length <= 128) subject[key] = value;
    }
  }
  const first = subjectKeys.map((key) => subject[key]).find(Boolean);
  return { correlationId: first ?? `job-${jobId}`, subject };
}

/** graphile-worker's per-job lines that the start/finish/failure lines below replace (with the correlation id). */
const replacedByJobLog = /^(Completed|Failed) task \d+ /;

/** A graphile-worker Logger that writes through pino (JSON), keeping its scope (worker, task, job) as fields. */
export function graphileLogger(log: Logger = rootLogger): GraphileLogger {
  return new GraphileLogger((scope: Record<string, unknown>) => {
    const fields = Object.fromEntries(Object.entries(scope).filter(([key]) => ["label", "workerId", "taskIdentifier", "jobId"].includes(key)));
    return (level, message, meta) => {
      const error = meta?.error instanceof Error ? { err: meta.error } : {};
      const line = { ...fields, ...error };
      if (replacedByJobLog.test(message)) return log.debug(line, message);
      switch (String(level)) {
        case "error":
          return log.error(line, message);
        case "warning":
          return log.warn(line, message);
        case "info":
          return log.info(line, message);
        default:
          return log.debug(line, message);
      }
    };
  });
}

function withJobLog(name: string, task: Task, log: Logger, quiet: boolean): Task {
  return async (payload: unknown, helpers: JobHelpers) => {
    const { job } = helpers;
    const { correlationId, subject } = jobCorrelation(payload, job.id);
    const jobLog = log.child({ correlationId, job: { name, id: job.id, attempt: job.attempts, maxAttempts: job.max_attempts }, ...subject });
    const started = performance.now();
    const durationMs = () => Math.round(performance.now() - started);
    const progress = quiet ? jobLog.debug.bind(jobLog) : jobLog.info.bind(jobLog);
    progress("job started");
    try {
      await task(payload, { ...helpers, logger: graphileLogger(jobLog) });
      progress({ durationMs: durationMs() }, "job finished");
    } catch (error) {
      // Thrown: graphile-worker retries it with backoff until max attempts.
      jobLog.error({ durationMs: durationMs(), err: error, willRetry: job.attempts < job.max_attempts }, "job failed");
      throw error;
    }
  };
}

/**
 * The task list with every task wrapped in its start/finish/failure log lines; the start and
 * finish of `quiet` tasks (one that runs every few seconds) are debug lines, their failures errors.
 */
export function withJobLogs(tasks: TaskList, log: Logger = rootLogger, quiet: ReadonlySet<string> = new Set()): TaskList {
  const wrapped: TaskList = {};
  for (const [name, task] of Object.entries(tasks)) if (task) wrapped[name] = withJobLog(name, task, log, quiet.has(name));
  return wrapped;
}
