/**
 * Terraform applies exactly the approved plan (issue 13): the first apply run of an approved
 * request saves the plan it is about to apply with the request (sealed: the file carries every
 * value), then applies that file and nothing else. When the state moved on so that the saved plan
 * no longer applies ("Saved plan is stale"), the run re-plans: the same diff is saved and applied;
 * a different diff stops the run before anything more changes, recorded with what changed (audit,
 * event, notification) and kept as the plan waiting for a new approval.
 */
import { and, desc, eq, isNull, sql } from "drizzle-orm";
import type { Database, Executor } from "~/db/client";
import { approvals, environments, requests, savedPlans } from "~/db/schema";
import { recordAudit, systemActor } from "~/server/core/audit";
import { assertTransition } from "~/server/core/lifecycle";
import { publishEvent } from "~/server/core/events";
import { openSecret, sealSecret } from "~/server/core/secret-box";
import {
  EngineError,
  type Engine,
  type EngineContext,
  type EnvironmentResult,
  type EnvironmentSpec,
  type PlanDiffEntry,
  type SavedEnginePlan,
} from "~/server/engines/engine";
import { comparePlanDiffs } from "~/server/engines/terraform/plan-json";
import { withRetry, type RetryOptions } from "./retry";

type SavedRow = typeof savedPlans.$inferSelect;
const purpose = "saved-plan";

const summaryOf = (diff: readonly PlanDiffEntry[]) => diff.map((d) => `${d.action} ${d.address}`);

/** Saves a plan with its request (sealed); `approved` is the one the next apply run applies. */
export async function savePlan(
  db: Executor,
  input: { requestId: string; environmentId: string; plan: SavedEnginePlan; status: SavedRow["status"]; changes?: string[] },
): Promise<SavedRow> {
  const id = crypto.randomUUID();
  const [row] = await db
    .insert(savedPlans)
    .values({
      id,
      requestId: input.requestId,
      environmentId: input.environmentId,
      status: input.status,
      planCiphertext: sealSecret(Buffer.from(input.plan.file).toString("base64"), purpose, id),
      planJsonCiphertext: sealSecret(input.plan.json, `${purpose}-json`, id),
      diff: input.plan.diff,
      changes: input.changes ?? null,
    })
    .returning();
  if (!row) throw new Error("saving the plan returned nothing");
  return row;
}

const planFile = (row: SavedRow) => Buffer.from(openSecret(row.planCiphertext, purpose, row.id), "base64");

/** Applies the environment from its request's saved plan (made now if it has none). */
export async function applySavedPlan(
  db: Database,
  input: {
    environmentId: string;
    engine: Engine & Required<Pick<Engine, "applyAll" | "planAll">>;
    ctx: EngineContext;
    spec: EnvironmentSpec;
    retry: RetryOptions;
  },
): Promise<EnvironmentResult> {
  const { environmentId, engine, ctx, spec, retry } = input;
  const [environment] = await db
    .select({ requestId: environments.requestId, teamId: environments.teamId, ownerId: environments.ownerId, name: environments.name })
    .from(environments)
    .where(eq(environments.id, environmentId))
    .limit(1);
  if (!environment) throw new Error(`environment ${environmentId} is missing`);
  const { requestId } = environment;
  let current = (
    await db
      .select()
      .from(savedPlans)
      .where(and(eq(savedPlans.requestId, requestId), eq(savedPlans.status, "approved")))
      .orderBy(desc(savedPlans.createdAt))
      .limit(1)
  )[0];
  if (!current) {
    const plan = await withRetry(() => engine.planAll(ctx, spec), retry);
    current = await savePlan(db, { requestId, environmentId, plan, status: "approved" });
    await ctx.log({ level: "info", message: `Saved the approved plan with the request: ${summaryOf(plan.diff).join(", ") || "no changes"}` });
  }
  let result: EnvironmentResult;
  try {
    const file = planFile(current);
    result = await withRetry(() => engine.applyAll(ctx, spec, { savedPlan: file }), retry);
  } catch (error) {
    if (!(error instanceof EngineError && error.options.code === "plan_stale")) throw error;
    await ctx.log({ level: "warn", message: "The state moved on since the plan was saved: planning again" });
    const plan = await withRetry(() => engine.planAll(ctx, spec), retry);
    const changes = comparePlanDiffs(current.diff as PlanDiffEntry[], plan.diff);
    const previous = current;
    const next = await db.transaction(async (tx) => {
      await tx.update(savedPlans).set({ status: "superseded" }).where(eq(savedPlans.id, previous.id));
      const saved = await savePlan(tx, {
        requestId,
        environmentId,
        plan,
        status: changes.length ? "needs_approval" : "approved",
        changes,
      });
      const subject = { subjectType: "request", subjectId: requestId, teamId: environment.teamId, correlationId: requestId };
      if (!changes.length) {
        await recordAudit(tx, systemActor, { action: "request.plan_refreshed", ...subject, after: { planId: saved.id, sameDiffAs: previous.id } });
        return saved;
      }
      await recordAudit(tx, systemActor, {
        action: "request.plan_changed",
        ...subject,
        before: { planId: previous.id, plan: summaryOf(previous.diff as PlanDiffEntry[]) },
        after: { planId: saved.id, plan: summaryOf(plan.diff), changes },
      });
      const [request] = await tx.select({ requesterId: requests.requesterId }).from(requests).where(eq(requests.id, requestId)).limit(1);
      await publishEvent(tx, {
        type: "request.plan_changed",
        teamId: environment.teamId,
        subject: `requests/${requestId}`,
        data: { requestId, environmentId, name: environment.name, changes },
        notify: {
          userIds: [environment.ownerId, ...(request ? [request.requesterId] : [])],
          kind: "approval_needed",
          title: `The plan of ${environment.name} changed since it was approved`,
          body: changes.join("; "),
          link: `/requests/${requestId}`,
          requestId,
        },
      });
      return saved;
    });
    if (changes.length)
      throw new EngineError(
        "permanent",
        `the plan changed since it was approved, so nothing more was applied: ${changes.join("; ")}. The new plan needs approval.`,
        { code: "plan_changed" },
      );
    await ctx.log({ level: "info", message: "The new plan does the same as the approved one: applying it" });
    current = next;
    const file = planFile(next);
    result = await withRetry(() => engine.applyAll(ctx, spec, { savedPlan: file }), retry);
  }
  await db
    .update(savedPlans)
    .set({
      status: "applied",
      appliedAt: new Date(),
      appliedSummary: {
        resources: result.resources.filter((r) => r.type !== "module").map((r) => r.address),
        outputs: Object.keys(result.outputs).sort(),
      },
    })
    .where(eq(savedPlans.id, current.id));
  return result;
}

/** The apply stopped on a changed plan: the request goes back to pending approval, its approvals cleared. */
export async function returnToApproval(tx: Executor, requestId: string): Promise<void> {
  assertTransition("request", "failed", "pending_approval");
  const now = new Date();
  const moved = await tx
    .update(requests)
    .set({ status: "pending_approval", decidedAt: null, queuedAt: null, version: sql`${requests.version} + 1`, updatedAt: now })
    .where(and(eq(requests.id, requestId), eq(requests.status, "failed")))
    .returning({ id: requests.id });
  if (!moved.length) return;
  await tx
    .update(approvals)
    .set({ supersededAt: now })
    .where(and(eq(approvals.requestId, requestId), isNull(approvals.supersededAt)));
}

export const isPlanChanged = (error: unknown) => error instanceof EngineError && error.options.code === "plan_changed";
