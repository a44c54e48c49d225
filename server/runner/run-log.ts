import type { Executor } from "~/db/client";
import { runEvents } from "~/db/schema";
import type { RunLogEvent } from "~/server/engines/engine";

/** Appends one line to a run's log; the insert trigger announces it to live streams. */
export async function appendRunEvent(db: Executor, runId: string, event: RunLogEvent): Promise<void> {
  await db.insert(runEvents).values({ runId, level: event.level, message: event.message, address: event.address ?? null, data: event.data ?? null });
}
