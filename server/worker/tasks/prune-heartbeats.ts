import { sql } from "drizzle-orm";
import type { Database } from "~/db/client";
import { workerHeartbeats } from "~/db/schema";
import { defineTask } from "./define";

/** Drops heartbeat rows of workers that stopped or went silent more than a day ago. */
export function pruneHeartbeats(db: Database) {
  return defineTask("pruneWorkerHeartbeats", async (_payload, helpers) => {
    const removed = await db
      .delete(workerHeartbeats)
      .where(sql`${workerHeartbeats.lastSeenAt} < now() - interval '1 day'`)
      .returning({ id: workerHeartbeats.workerId });
    helpers.logger.info(`pruned ${removed.length} old worker heartbeat rows`);
  });
}
