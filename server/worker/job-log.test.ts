import type { JobHelpers, Task } from "graphile-worker";
import { beforeEach, describe, expect, it } from "vitest";
import { createLogger } from "~/server/logger";
import { jobCorrelation, withJobLogs } from "./job-log";

let lines: Record<string, unknown>[];
const log = createLogger({ write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) }, "info");
beforeEach(() => {
  lines = [];
});

const helpersFor = (id: string, attempts: number, maxAttempts = 5) =>
  ({ job: { id, attempts, max_attempts: maxAttempts, task_identifier: "provision_request" } }) as unknown as JobHelpers;

describe("job logs", () => {
  it("correlates a job by the request (or run, environment, delivery) it works on, else by itself", () => {
    expect(jobCorrelation({ requestId: "r-1", runId: "u-1" }, "9").correlationId).toBe("r-1");
    expect(jobCorrelation({ runId: "u-1" }, "9")).toEqual({ correlationId: "u-1", subject: { runId: "u-1" } });
    expect(jobCorrelation({ deliveryId: "d-1" }, "9").correlationId).toBe("d-1");
    expect(jobCorrelation({}, "9").correlationId).toBe("job-9");
    expect(jobCorrelation(null, "9").correlationId).toBe("job-9");
  });

  it("logs start and finish with the job's name, id and correlation id; the task's own lines carry them too", async () => {
    const task: Task = async (_payload, helpers) => helpers.logger.info("run r-1 succeeded");
    const tasks = withJobLogs({ provision_request: task }, log);
    await tasks.provision_request!({ requestId: "req-1" }, helpersFor("41", 1));
    expect(lines.map((l) => [l.msg, l.correlationId, (l.job as { name: string; id: string }).name, (l.job as { id: string }).id])).toEqual([
      ["job started", "req-1", "provision_request", "41"],
      ["run r-1 succeeded", "req-1", "provision_request", "41"],
      ["job finished", "req-1", "provision_request", "41"],
    ]);
    expect(lines.every((l) => l.requestId === "req-1")).toBe(true);
    expect(lines[2]).toMatchObject({ durationMs: expect.any(Number), level: 30 });
  });

  it("logs a quiet task's start and finish at debug level only, and its failure as an error", async () => {
    let fail = false;
    const tasks = withJobLogs(
      { recover_runs: async () => (fail ? Promise.reject(new Error("database gone")) : undefined) },
      log,
      new Set(["recover_runs"]),
    );
    await tasks.recover_runs!({}, helpersFor("43", 1, 1));
    expect(lines).toEqual([]);
    fail = true;
    await expect(tasks.recover_runs!({}, helpersFor("44", 1, 1))).rejects.toThrow("database gone");
    expect(lines).toEqual([expect.objectContaining({ level: 50, msg: "job failed", willRetry: false })]);
  });

  it("logs a failure with the error and whether the queue will retry, and rethrows it for the retry", async () => {
    const tasks = withJobLogs({ resume_run: async () => Promise.reject(new Error("engine unreachable")) }, log);
    await expect(tasks.resume_run!({ runId: "run-7" }, helpersFor("42", 2, 3))).rejects.toThrow("engine unreachable");
    expect(lines.at(-1)).toMatchObject({
      level: 50,
      msg: "job failed",
      correlationId: "run-7",
      willRetry: true,
      err: { message: "engine unreachable" },
    });
    await expect(tasks.resume_run!({ runId: "run-7" }, helpersFor("42", 3, 3))).rejects.toThrow();
    expect(lines.at(-1)).toMatchObject({ msg: "job failed", willRetry: false });
  });
});
