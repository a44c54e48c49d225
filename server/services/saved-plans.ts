/**
 * "Plan vs applied" for a request's page (terraform): the plans saved with the request (issue 13),
 * newest last, with their diff (addresses, actions, masked values), status, what changed against
 * the plan before, and what the run applied. Never the plan file or its JSON (they carry secrets).
 * The caller may read the request (checked by requestProcedure).
 */
import { and, asc, eq, sql } from "drizzle-orm";
import type { Database, Executor } from "~/db/client";
import { environments, requests, savedPlans } from "~/db/schema";
import { assertTransition } from "~/server/core/lifecycle";
import { createRun } from "~/server/runs/store";
import type { PlanDiffEntry } from "~/server/engines/engine";

export type SavedPlanView = {
  id: string;
  status: "approved" | "applied" | "superseded" | "needs_approval";
  createdAt: Date;
  diff: PlanDiffEntry[];
  changes: string[] | null;
  appliedAt: Date | null;
  applied: { resources: string[]; outputs: string[] } | null;
};

export async function savedPlansOf(db: Database, requestId: string): Promise<SavedPlanView[]> {
  const rows = await db
    .select({
      id: savedPlans.id,
      status: savedPlans.status,
      createdAt: savedPlans.createdAt,
      diff: savedPlans.diff,
      changes: savedPlans.changes,
      appliedAt: savedPlans.appliedAt,
      appliedSummary: savedPlans.appliedSummary,
    })
    .from(savedPlans)
    .where(eq(savedPlans.requestId, requestId))
    .orderBy(asc(savedPlans.createdAt));
  return rows.map(({ appliedSummary, diff, ...row }) => ({
    ...row,
    diff: diff as PlanDiffEntry[],
    applied: (appliedSummary as SavedPlanView["applied"]) ?? null,
  }));
}

/**
 * A request approved again after its terraform plan changed (its environment failed with a plan
 * waiting for approval): that plan becomes the approved one and a new apply run opens for the
 * environment, which applies it. Returns whether it did (otherwise provisioning starts as usual).
 */
export async function reopenApplyWithNewPlan(tx: Executor, requestId: string): Promise<boolean> {
  const [waiting] = await tx
    .select({ planId: savedPlans.id, environmentId: environments.id, environmentStatus: environments.status })
    .from(savedPlans)
    .innerJoin(environments, eq(environments.id, savedPlans.environmentId))
    .where(and(eq(savedPlans.requestId, requestId), eq(savedPlans.status, "needs_approval")))
    .limit(1);
  if (!waiting || waiting.environmentStatus !== "failed") return false;
  await tx.update(savedPlans).set({ status: "approved" }).where(eq(savedPlans.id, waiting.planId));
  assertTransition("environment", "failed", "provisioning");
  await tx
    .update(environments)
    .set({ status: "provisioning", failureSummary: null, version: sql`${environments.version} + 1`, updatedAt: new Date() })
    .where(and(eq(environments.id, waiting.environmentId), eq(environments.status, "failed")));
  assertTransition("request", "queued", "provisioning");
  await tx
    .update(requests)
    .set({ status: "provisioning", updatedAt: new Date() })
    .where(and(eq(requests.id, requestId), eq(requests.status, "queued")));
  const run = await createRun(tx, { environmentId: waiting.environmentId, kind: "apply" });
  if (!run) throw new Error("the environment already has an active run");
  return true;
}
