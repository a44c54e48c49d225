/**
 * The run log stream ends with every line of the run: a run's outcome (its status and its last
 * lines, one statement) committed while the stream reads is not cut off. The fault is forced:
 * the outcome commits right after the stream's first read, whichever read that is.
 */
import path from "node:path";
import { eq, sql } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import type { Database } from "~/db/client";
import { runs } from "~/db/schema";
import { insertLines } from "~/server/runner/run-log";
import { startApply } from "~/server/runner/start-apply";
import { syncTemplates } from "~/server/services/template-sync";
import { createTestDatabase } from "~/testing/db";
import { callerFor, makeTeam, makeUser, submitBastion } from "~/testing/fixtures";
import { runLogStream, type RunLogReads } from "./run-log-stream";
import { eventsAfter, runStatus } from "./run-stream";

let db: Database;
let dev: Awaited<ReturnType<typeof callerFor>>;
let teamId: string;

beforeAll(async () => {
  let url: string;
  ({ db, url } = await createTestDatabase());
  Object.assign(process.env, { DATABASE_URL: url, NEXTAUTH_SECRET: "x".repeat(32), PROVISIO_DEMO: "true" });
  await syncTemplates(db, path.resolve(import.meta.dirname, "../../templates"));
  const user = await makeUser(db);
  teamId = (await makeTeam(db, [{ userId: user.id, role: "member" }])).id;
  dev = await callerFor(db, user.id);
});

async function runningRun(): Promise<string> {
  const id = await submitBastion(dev, teamId, "stream", "Run log stream tests");
  const runId = (await startApply(db, id))!;
  await db.update(runs).set({ status: "running", startedAt: new Date() }).where(eq(runs.id, runId));
  await db.execute(insertLines(runId, [{ level: "info", message: "Apply started", at: new Date() }]));
  return runId;
}

/** The run's outcome as the runner writes it: the last line and the final status in one statement. */
const finish = (runId: string) =>
  db.execute(sql`with logged as (${insertLines(runId, [{ level: "info", message: "Apply finished", at: new Date() }])})
    update runs set status = 'succeeded', finished_at = now() where id = ${runId}`);

/** Reads the whole stream: the log lines' messages and the events, in order. */
async function readStream(response: Response): Promise<string[]> {
  const text = await response.text();
  return text.split("\n\n").flatMap((block) => {
    const event = /^event: (.*)$/m.exec(block)?.[1];
    const data = /^data: (.*)$/m.exec(block)?.[1];
    if (event === "log") return [`log: ${(JSON.parse(data!) as { message: string }).message}`];
    if (event === "end") return [`end: ${(JSON.parse(data!) as { status: string }).status}`];
    return [];
  });
}

describe("a run's log stream", () => {
  it("ends with the run's last lines when the outcome commits between the stream's reads", async () => {
    const runId = await runningRun();
    let finished = false;
    // Whichever the stream reads first, the outcome commits right after it (once).
    const afterFirstRead =
      <A extends unknown[], R>(read: (...args: A) => Promise<R>) =>
      async (...args: A): Promise<R> => {
        const result = await read(...args);
        if (!finished) {
          finished = true;
          await finish(runId);
        }
        return result;
      };
    const reads: RunLogReads = { eventsAfter: afterFirstRead(eventsAfter), runStatus: afterFirstRead(runStatus) };
    const response = runLogStream(new Request(`http://localhost/api/runs/${runId}/events`), db, runId, reads);
    expect(finished).toBe(false);
    expect(await readStream(response)).toEqual(["log: Apply started", "log: Apply finished", "end: succeeded"]);
    expect(finished).toBe(true);
  });

  it("resumes after the last line it sent, and ends at once for a finished run", async () => {
    const runId = await runningRun();
    await finish(runId);
    const [first] = await eventsAfter(db, runId, 0);
    const response = runLogStream(
      new Request(`http://localhost/api/runs/${runId}/events`, { headers: { "last-event-id": String(first!.id) } }),
      db,
      runId,
    );
    expect(await readStream(response)).toEqual(["log: Apply finished", "end: succeeded"]);
  });
});
