import type { JobHelpers } from "graphile-worker";
import { describe, expect, it } from "vitest";
import { jobNames, jobNamesOf, jobs, lanes, type JobId, type Lane } from "~/server/jobs/registry";
import { defineTask, quietJobNames, taskListFrom, type JobTasks } from "./define";

function helpers() {
  const lines: string[] = [];
  const logger = {
    info: (m: string) => lines.push(m),
    warn: (m: string) => lines.push(m),
    error: (m: string) => lines.push(m),
    debug: () => undefined,
  };
  return { helpers: { logger } as unknown as JobHelpers, lines };
}

describe("worker tasks from the job registry", () => {
  it("has one task per registered job, under the job's registered name", () => {
    const tasks = Object.fromEntries((Object.keys(jobs) as JobId[]).map((id) => [id, defineTask(id, async () => undefined)])) as unknown as JobTasks;
    const list = taskListFrom(tasks);
    expect(Object.keys(list).sort()).toEqual([...jobNames].sort());
    expect(list.resume_run).toBe(tasks.resumeRun);
  });

  it("gives each runner only its lane's jobs: provisioning never takes the tick or the sweeps, recovery only recover_run", () => {
    const tasks = Object.fromEntries((Object.keys(jobs) as JobId[]).map((id) => [id, defineTask(id, async () => undefined)])) as unknown as JobTasks;
    const names = (lane: Lane) => Object.keys(taskListFrom(tasks, lane)).sort();
    expect(names("provisioning")).toEqual(["deliver_webhook", "provision_request", "recover_run", "resume_run"]);
    expect(names("recovery")).toEqual(["recover_run"]);
    expect(names("control")).toEqual([
      "advance_fleet_rollout",
      "evaluate_slo_burn",
      "prune_worker_heartbeats",
      "queue_drift_checks",
      "recover_runs",
      "sweep_expiry",
      "sweep_fleet_rollouts",
      "sweep_orphans",
    ]);
    // Every job has a runner.
    expect(new Set(lanes.flatMap(names))).toEqual(new Set(jobNames));
    for (const lane of lanes) expect(jobNamesOf(lane).sort()).toEqual(names(lane));
    expect([...quietJobNames]).toEqual(["recover_runs"]);
  });

  it("hands the task its payload parsed by the job's schema, and drops a malformed one with a log line naming the field", async () => {
    const seen: unknown[] = [];
    const task = defineTask("resumeRun", async (payload) => {
      seen.push(payload);
    });
    const runId = "7f1c1a52-8a4e-4c4e-9a5b-1f2e3d4c5b6a";
    await task({ runId, extra: "ignored" }, helpers().helpers);
    expect(seen).toEqual([{ runId }]);

    const bad = helpers();
    await task({ runId: "not-a-uuid" }, bad.helpers);
    expect(seen).toHaveLength(1);
    expect(bad.lines).toEqual([expect.stringMatching(/^resume_run: malformed payload dropped: [\s\S]*runId/)]);
  });
});
