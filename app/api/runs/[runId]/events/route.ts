import { z } from "zod";
import { queryRefusal } from "~/server/api/query-guard";
import { getViewer } from "~/server/auth/session";
import { db } from "~/server/db";
import { readableRun } from "~/server/access/subjects";
import { runLogStream } from "~/server/api/run-log-stream";

export const dynamic = "force-dynamic";

/**
 * A run's log as server-sent events: every line so far, then each new line the moment it is
 * written (pushed through LISTEN/NOTIFY), then `end` when the run finishes. `Last-Event-ID`
 * resumes after a dropped connection without repeating lines.
 */
export async function GET(request: Request, { params }: { params: Promise<{ runId: string }> }) {
  const refused = queryRefusal(request);
  if (refused) return refused;
  const { runId } = await params;
  if (!z.uuid().safeParse(runId).success) return new Response("Run not found", { status: 404 });
  const viewer = await getViewer();
  if (!viewer) return new Response("Sign in to continue", { status: 401 });
  const database = db();
  // Other teams' runs do not exist for the caller.
  if (!(await readableRun(database, viewer, runId))) return new Response("Run not found", { status: 404 });

  return runLogStream(request, database, runId);
}
