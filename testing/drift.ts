/**
 * Drift tests' shared set-up (server/runner/drift*.test.ts, server/services/drift.test.ts): the
 * repo's templates, a quiet sim cloud, a team with an owner and an approver; a ready staging
 * bastion-host (approved when policy asks); and a drift check run executed as the worker would.
 * Failures here throw, so the calling test fails with the reason.
 */
import { randomUUID } from "node:crypto";
import path from "node:path";
import { eq } from "drizzle-orm";
import type { Database } from "~/db/client";
import { driftChecks, environments } from "~/db/schema";
import type { Engine } from "~/server/engines/engine";
import { quietSimConfig } from "~/server/engines/sim/cloud";
import { createSimEngine } from "~/server/engines/sim/engine";
import { executeRun } from "~/server/runner/execute";
import { startApply } from "~/server/runner/start-apply";
import { createRun } from "~/server/runs/store";
import { syncTemplates } from "~/server/services/template-sync";
import { callerFor, makeTeam, makeUser } from "./fixtures";

export type DriftWorld = Awaited<ReturnType<typeof driftWorld>>;

export async function driftWorld(db: Database) {
  await syncTemplates(db, path.resolve(import.meta.dirname, "../templates"));
  const sim = createSimEngine({ db, config: quietSimConfig });
  const ownerId = (await makeUser(db)).id;
  const approverId = (await makeUser(db)).id;
  const teamId = (
    await makeTeam(db, [
      { userId: ownerId, role: "member" },
      { userId: approverId, role: "approver" },
    ])
  ).id;
  const retry = { attempts: 2, baseMs: 1, maxMs: 2 };
  /** The worker's runner options, on the sim or on another engine. */
  const runner = (engine: Engine = sim) => ({ workerId: "drift-test", engines: () => engine, retry });

  /** A ready staging bastion-host of the team (instance_type from its parameter, t3.micro; disk_gb a literal 16). */
  async function readyBastion(namePrefix = "drift"): Promise<string> {
    const dev = await callerFor(db, ownerId);
    const submitted = await dev.requests.submit({
      teamId,
      templateName: "bastion-host",
      tier: "staging",
      environmentName: `${namePrefix}-${randomUUID().slice(0, 6)}`,
      ttlHours: 24,
      parameters: {},
      justification: "Drift test",
      clientRequestId: randomUUID(),
    });
    if (submitted.status === "pending_approval")
      await (await callerFor(db, approverId)).approvals.decide({ requestId: submitted.id, expectedVersion: 1, decision: "approved", comment: "" });
    const runId = await startApply(db, submitted.id);
    const outcome = runId ? await executeRun(db, runId, runner()) : "no apply run";
    if (outcome !== "succeeded") throw new Error(`the bastion's apply ended ${outcome}`);
    const [environment] = await db.select().from(environments).where(eq(environments.requestId, submitted.id));
    return environment!.id;
  }

  /** One drift check run, executed: its check row and the environment after it. */
  async function checkDrift(environmentId: string, engine: Engine = sim) {
    const run = await createRun(db, { environmentId, kind: "drift" });
    if (!run) throw new Error(`no drift run could be created on ${environmentId} (another run is active)`);
    await executeRun(db, run.id, runner(engine));
    const [check] = await db.select().from(driftChecks).where(eq(driftChecks.runId, run.id));
    const [environment] = await db.select().from(environments).where(eq(environments.id, environmentId));
    return { check: check!, environment: environment! };
  }

  return { sim, ownerId, approverId, teamId, runner, readyBastion, checkDrift };
}
