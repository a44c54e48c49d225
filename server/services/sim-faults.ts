/**
 * "Fail the next change of environment X" (issue 14): an admin arms a one-shot forced failure
 * for a sim environment, audited, to rehearse a rollout halting (the browser journey does).
 * Refused for any environment on another engine: only the sim engine reads the row
 * (server/engines/sim/armed-faults.ts), and a real cloud must never be told to fail.
 */
import { eq } from "drizzle-orm";
import type { Database } from "~/db/client";
import { environments, simArmedFaults } from "~/db/schema";
import { recordAudit } from "~/server/core/audit";
import { ServiceError } from "~/server/core/errors";
import { actorOf, type Viewer } from "./users";

export async function armSimFault(db: Database, viewer: Viewer, input: { environmentId: string }, now = new Date()) {
  return db.transaction(async (tx) => {
    const [environment] = await tx.select().from(environments).where(eq(environments.id, input.environmentId)).limit(1);
    if (!environment) throw new ServiceError("not_found", "Environment was not found.", "environmentId");
    if (environment.engine !== "sim")
      throw new ServiceError(
        "invalid",
        `${environment.name} runs on the ${environment.engine} engine: only sim environments can be told to fail.`,
        "environmentId",
      );
    if (environment.status === "destroyed") throw new ServiceError("invalid", `${environment.name} is destroyed.`, "environmentId");
    await tx
      .insert(simArmedFaults)
      .values({ environmentId: environment.id, armedBy: viewer.id, armedAt: now })
      .onConflictDoUpdate({ target: simArmedFaults.environmentId, set: { armedBy: viewer.id, armedAt: now } });
    await recordAudit(tx, actorOf(viewer), {
      action: "sim.fault_armed",
      subjectType: "environment",
      subjectId: environment.id,
      teamId: environment.teamId,
      correlationId: environment.requestId,
      after: { fault: "fail the next change", engine: "sim" },
    });
    return { environmentId: environment.id, armed: true };
  });
}
