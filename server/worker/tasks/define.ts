/**
 * Worker tasks from the job registry (server/jobs/registry.ts): each task is defined for a job
 * id, gets its payload parsed with that job's schema (typed), and the task list is built from
 * the registry, so every job has exactly one task under exactly its name (a job without a task
 * is a compile error in main.ts).
 */
import type { JobHelpers, Task, TaskList } from "graphile-worker";
import { z } from "zod";
import { jobs, type JobId, type JobPayload, type Lane } from "~/server/jobs/registry";

export type JobTask<J extends JobId> = Task & { readonly job: J };
export type JobTasks = { [J in JobId]: JobTask<J> };

/** The task of job `id`. A payload its schema refuses is logged and dropped: retrying cannot mend it. */
export function defineTask<J extends JobId>(id: J, handler: (payload: JobPayload<J>, helpers: JobHelpers) => Promise<void>): JobTask<J> {
  const task: Task = async (payload, helpers) => {
    const parsed = jobs[id].payload.safeParse(payload);
    if (!parsed.success) {
      helpers.logger.error(`${jobs[id].name}: malformed payload dropped: ${z.prettifyError(parsed.error)}`);
      return;
    }
    await handler(parsed.data as JobPayload<J>, helpers);
  };
  return Object.assign(task, { job: id });
}

/**
 * graphile-worker's task list: every registered job's task, under its registered name; with a
 * lane, only the jobs that lane's runner fetches (graphile-worker takes no job outside it).
 */
export function taskListFrom(tasks: JobTasks, lane?: Lane): TaskList {
  const ids = (Object.keys(jobs) as JobId[]).filter((id) => !lane || (jobs[id].lanes as readonly Lane[]).includes(lane));
  return Object.fromEntries(ids.map((id) => [jobs[id].name, tasks[id]]));
}

/** Task names whose start and finish lines are debug (the registry's `quiet` jobs). */
export const quietJobNames: ReadonlySet<string> = new Set(
  Object.values(jobs)
    .filter((j) => "quiet" in j && j.quiet)
    .map((j) => j.name),
);
