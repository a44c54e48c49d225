/**
 * "Plan vs applied" for a request's page (terraform): the plans saved with the request (issue 13),
 * newest last, with their diff (addresses, actions, masked values), status, what changed against
 * the plan before, and what the run applied. Never the plan file or its JSON (they carry secrets).
 * The caller may read the request (checked by requestProcedure).
 */
import { asc, eq } from "drizzle-orm";
import type { Database } from "~/db/client";
import { savedPlans } from "~/db/schema";
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
