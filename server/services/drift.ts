/**
 * Drift checks from the portal's side (issue 13): the schedule (queueDueDriftChecks, the cron
 * job), "Check now", acknowledging drift, and what the environment page shows. The checks
 * themselves are runs (server/runner/kinds/drift.ts), created through the run store, so an
 * environment with a run in progress is skipped and a double click makes one run.
 */
import { and, desc, eq, isNull, lte, or, sql } from "drizzle-orm";
import type { Database } from "~/db/client";
import { driftChecks, environments, runs, templateVersions, type Environment } from "~/db/schema";
import { canAcceptDrift, canAcknowledgeDrift, canCauseChaos, canCheckDrift, canReconcile } from "~/server/access/rules";
import { recordAudit } from "~/server/core/audit";
import { ServiceError } from "~/server/core/errors";
import type { DriftReport } from "~/server/engines/drift";
import { createRun } from "~/server/runs/store";
import { driftCheckIntervalMs, nextDriftCheckAt } from "~/server/templates/drift-policy";
import type { PolicySpec } from "~/server/templates/format";
import { driftAcceptPlan } from "./drift-accept";
import { actorOf, type Viewer } from "./users";

export const defaultDriftBatch = 200;

/**
 * Queues the drift checks that are due, at most `batch` per call (the cron job calls it every
 * minute). An environment never scheduled yet gets its first check on its phase of the tier's
 * interval (a stable hash of its id), so a fleet made at once is spread over the interval.
 */
export async function queueDueDriftChecks(db: Database, options: { now?: Date; batch?: number } = {}) {
  const now = options.now ?? new Date();
  const batch = options.batch ?? defaultDriftBatch;
  return db.transaction(async (tx) => {
    const due = await tx
      .select({
        id: environments.id,
        tier: environments.tier,
        next: environments.driftNextCheckAt,
        policy: sql<PolicySpec>`${templateVersions.document}->'spec'->'policy'`,
      })
      .from(environments)
      .innerJoin(templateVersions, eq(templateVersions.id, environments.templateVersionId))
      .where(
        and(
          eq(environments.status, "ready"),
          or(isNull(environments.driftNextCheckAt), lte(environments.driftNextCheckAt, now)),
          sql`not exists (select 1 from ${runs} where ${runs.environmentId} = ${environments.id} and ${runs.status} in ('queued', 'running'))`,
        ),
      )
      .orderBy(sql`${environments.driftNextCheckAt} asc nulls first`)
      .limit(batch)
      .for("update", { of: environments, skipLocked: true });
    const queued: { environmentId: string; runId: string }[] = [];
    let scheduled = 0;
    for (const env of due) {
      const intervalMs = driftCheckIntervalMs(env.policy, env.tier);
      // A first schedule falls on the phase; after a queued check, at least half an interval later.
      const next = nextDriftCheckAt(env.id, intervalMs, now, env.next ? intervalMs / 2 : 0);
      if (env.next) {
        const run = await createRun(tx, { environmentId: env.id, kind: "drift" });
        if (run) queued.push({ environmentId: env.id, runId: run.id });
      } else scheduled++;
      await tx.update(environments).set({ driftNextCheckAt: next }).where(eq(environments.id, env.id));
    }
    return { queued, scheduled };
  });
}

/** "Check now": a drift check run at once; one at a time per environment (the run store's rule). */
export async function requestDriftCheck(db: Database, viewer: Viewer, environment: Environment) {
  if (!canCheckDrift(viewer, environment))
    throw new ServiceError("forbidden", `Only members of the team (or an admin) can check ${environment.name} for drift.`);
  if (environment.status !== "ready")
    throw new ServiceError("conflict", `${environment.name} is ${environment.status}: only a ready environment is checked for drift.`);
  return db.transaction(async (tx) => {
    const run = await createRun(tx, { environmentId: environment.id, kind: "drift" });
    if (!run) throw new ServiceError("conflict", `${environment.name} has a run in progress: check again when it has finished.`);
    await recordAudit(tx, actorOf(viewer), {
      action: "environment.drift_check_requested",
      subjectType: "environment",
      subjectId: environment.id,
      teamId: environment.teamId,
      correlationId: environment.requestId,
      after: { runId: run.id },
    });
    return { runId: run.id };
  });
}

/** Acknowledging the current drift with a reason until a time: shown as acknowledged until then, or until the drift changes. */
export async function acknowledgeDrift(
  db: Database,
  viewer: Viewer,
  environment: Environment,
  input: { reason: string; hours: number },
  now = new Date(),
) {
  if (!canAcknowledgeDrift(viewer, environment))
    throw new ServiceError("forbidden", `Only the owner of ${environment.name}, the team's approvers or an admin can acknowledge its drift.`);
  return db.transaction(async (tx) => {
    const [current] = await tx.select().from(environments).where(eq(environments.id, environment.id)).for("update");
    if (!current || current.driftStatus !== "drifted" || !current.driftFingerprint)
      throw new ServiceError(
        "conflict",
        `${environment.name} has no drift to acknowledge${current?.driftStatus === "failed" ? " (its last check failed)" : ""}.`,
      );
    const until = new Date(now.getTime() + input.hours * 3_600_000);
    await tx
      .update(environments)
      .set({ driftAckFingerprint: current.driftFingerprint, driftAckUntil: until, driftAckReason: input.reason })
      .where(eq(environments.id, environment.id));
    await recordAudit(tx, actorOf(viewer), {
      action: "environment.drift_acknowledged",
      subjectType: "environment",
      subjectId: environment.id,
      teamId: environment.teamId,
      correlationId: environment.requestId,
      after: { reason: input.reason, until: until.toISOString(), fingerprint: current.driftFingerprint },
    });
    return { acknowledgedUntil: until };
  });
}

export type DriftCheckView = {
  id: string;
  runId: string | null;
  result: "in_sync" | "drifted" | "failed";
  failureReason: string | null;
  checkedAt: Date;
  resources: number;
};

/** The environment page's drift panel: state, the current drift (the latest drifted report), acknowledgement, recent checks. */
export async function getDrift(db: Database, viewer: Viewer, environment: Environment, now = new Date()) {
  const history = await db
    .select()
    .from(driftChecks)
    .where(eq(driftChecks.environmentId, environment.id))
    .orderBy(desc(driftChecks.checkedAt))
    .limit(20);
  const [active] = await db
    .select({ id: runs.id, kind: runs.kind })
    .from(runs)
    .where(and(eq(runs.environmentId, environment.id), sql`${runs.status} in ('queued', 'running')`))
    .limit(1);
  const lastDrifted = environment.driftStatus === "drifted" || environment.driftedSince ? history.find((c) => c.result === "drifted") : undefined;
  const acknowledged =
    environment.driftAckFingerprint !== null &&
    environment.driftAckFingerprint === environment.driftFingerprint &&
    environment.driftAckUntil !== null &&
    environment.driftAckUntil > now;
  const lastFailed = environment.driftStatus === "failed" ? history[0] : undefined;
  const report = (lastDrifted?.report as DriftReport | undefined) ?? null;
  return {
    status: environment.driftStatus,
    driftedSince: environment.driftedSince,
    checkedAt: environment.driftCheckedAt,
    nextCheckAt: environment.driftNextCheckAt,
    failureReason: lastFailed?.failureReason ?? null,
    report,
    /** Whether Accept is offered (the drifted properties come from parameters the template allows), with the new values or why not. */
    accept: environment.driftStatus === "drifted" ? await driftAcceptPlan(db, environment, report) : null,
    acknowledgement: acknowledged ? { reason: environment.driftAckReason ?? "", until: environment.driftAckUntil! } : null,
    activeRun: active ?? null,
    can: {
      check: canCheckDrift(viewer, environment),
      reconcile: canReconcile(viewer, environment),
      acknowledge: canAcknowledgeDrift(viewer, environment),
      accept: canAcceptDrift(viewer, environment),
      chaos: canCauseChaos(viewer) && environment.engine === "sim",
    },
    history: history.map((c): DriftCheckView => ({
      id: c.id,
      runId: c.runId,
      result: c.result,
      failureReason: c.failureReason,
      checkedAt: c.checkedAt,
      resources: (c.report as DriftReport).resources.length,
    })),
  };
}
