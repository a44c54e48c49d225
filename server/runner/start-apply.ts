/**
 * From a queued request to an environment and its apply run, idempotently: a retried job finds
 * them instead of making a second. The environment's lifetime starts here (the rule:
 * server/core/lifetime.ts): its expiry is stored now, before any resource is tagged with it.
 */
import { and, eq, inArray } from "drizzle-orm";
import type { Database } from "~/db/client";
import { environments, requests, runs, templateVersions, type Run } from "~/db/schema";
import { recordAudit, systemActor } from "~/server/core/audit";
import { assertTransition } from "~/server/core/lifecycle";
import { expiresAtFrom } from "~/server/core/lifetime";
import { createRun } from "~/server/runs/store";
import type { TemplateDocument } from "~/server/templates/format";
import { executeClaimedRun, executeRun } from "./execute";
import type { RunnerOptions, RunOutcome } from "./types";

type Opened = { runId: string; claimed: Run | null };

async function openApply(db: Database, requestId: string, claimFor?: string): Promise<Opened | null> {
  return db.transaction(async (tx) => {
    const [row] = await tx
      .select({ request: requests, document: templateVersions.document, environmentId: environments.id, activeRunId: runs.id })
      .from(requests)
      .innerJoin(templateVersions, eq(templateVersions.id, requests.templateVersionId))
      .leftJoin(environments, eq(environments.requestId, requests.id))
      .leftJoin(runs, and(eq(runs.environmentId, environments.id), inArray(runs.status, ["queued", "running"])))
      .where(eq(requests.id, requestId))
      .for("update", { of: requests })
      .limit(1);
    if (!row) return null;
    const { request } = row;
    // Already opened (a retried job): its active run, if it still has one.
    if (row.environmentId) return row.activeRunId ? { runId: row.activeRunId, claimed: null } : null;
    if (request.status !== "queued") return null;
    assertTransition("request", request.status, "provisioning");
    const document = row.document as TemplateDocument;
    const startedAt = new Date();
    const [environment] = await tx
      .insert(environments)
      .values({
        requestId: request.id,
        teamId: request.teamId,
        ownerId: request.requesterId,
        templateVersionId: request.templateVersionId,
        name: request.environmentName,
        tier: request.tier,
        engine: document.spec.engine,
        status: "provisioning",
        onFailure: document.spec.policy.onFailure,
        expiresAt: expiresAtFrom(startedAt, request.ttlHours),
      })
      .returning({ id: environments.id });
    if (!environment) throw new Error("environment insert returned nothing");
    const run = await createRun(tx, { environmentId: environment.id, kind: "apply", claimedBy: claimFor });
    if (!run) throw new Error("a new environment already has an active run");
    await tx.update(requests).set({ status: "provisioning", version: request.version + 1, updatedAt: startedAt }).where(eq(requests.id, request.id));
    await recordAudit(tx, systemActor, { action: "environment.provisioning", subjectType: "environment", subjectId: environment.id, teamId: request.teamId, correlationId: request.id, after: { runId: run.id } });
    return { runId: run.id, claimed: claimFor ? run : null };
  });
}

/** Creates the environment and its queued apply run for a queued request; returns the run to execute, or null when there is nothing to do. */
export async function startApply(db: Database, requestId: string): Promise<string | null> {
  return (await openApply(db, requestId))?.runId ?? null;
}

/**
 * The provision_request job: opens the apply already claimed by this worker (no second trip
 * through the queue, no separate claim) and executes it. A retried job resumes the run it finds.
 */
export async function provisionRequest(db: Database, requestId: string, options: RunnerOptions): Promise<{ runId: string; outcome: RunOutcome } | null> {
  const opened = await openApply(db, requestId, options.workerId);
  if (!opened) return null;
  const outcome = opened.claimed ? await executeClaimedRun(db, opened.claimed, options) : await executeRun(db, opened.runId, options);
  return { runId: opened.runId, outcome };
}
