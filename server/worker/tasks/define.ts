/**
 * Worker tasks from the job registry (server/jobs/registry.ts): each task is defined for a job
 * id, gets its payload parsed with that job's schema (typed), and the task list is built from
 * the registry, so every job has exactly one task under exactly its name (a job without a task
 * is a compile error in main.ts).
 */
import type { JobHelpers, Task, TaskList } from "graphile-worker";
import { z } from "zod";
import { jobs, type JobId, type JobPayload } from "~/server/jobs/registry";

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

/** graphile-worker's task list: every registered job's task, under its registered name. */
export function taskListFrom(tasks: JobTasks): TaskList {
  return Object.fromEntries((Object.keys(jobs) as JobId[]).map((id) => [jobs[id].name, tasks[id]]));
}
