/**
 * Forced failures of the simulator (issue 14's rollout journey and tests): an admin arms "fail
 * the next change of environment X" (services/sim-faults.ts, audited); the sim engine's next
 * apply for that environment takes the row and fails permanently, once, so the update fails and
 * its rollback (the apply after) goes through. Only the sim engine reads the table.
 */
import { eq } from "drizzle-orm";
import type { Database } from "~/db/client";
import { simArmedFaults } from "~/db/schema";

/** Whether a fault was armed for the environment (and is now spent). */
export async function takeArmedFault(db: Database, environmentId: string): Promise<boolean> {
  const taken = await db
    .delete(simArmedFaults)
    .where(eq(simArmedFaults.environmentId, environmentId))
    .returning({ id: simArmedFaults.environmentId });
  return taken.length > 0;
}
