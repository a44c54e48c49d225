/**
 * Drift checks: read-only. Per-resource engines are read (`engine.read()`) and compared with the
 * plan (server/engines/drift-compare.ts); whole-environment engines report drift themselves
 * (`engine.checkDrift`); an engine that can do neither fails the check, never "in sync". A read
 * that fails after its retries fails the check with the reason: it is never taken as drift.
 * The verdict, the environment's drift state and the notification (once per new drift) are
 * written in finish (drift-record.ts).
 */
import { and, eq, sql } from "drizzle-orm";
import type { Database } from "~/db/client";
import { environmentResources, environments, requests, templateVersions, type Environment, type EnvironmentResource } from "~/db/schema";
import type { DriftReport } from "~/server/engines/drift";
import { compareDrift } from "~/server/engines/drift-compare";
import type { TemplateDocument } from "~/server/templates/format";
import type { Plan } from "~/server/templates/plan";
import { desiredResources } from "../drift-desired";
import { recordDriftCheck } from "../drift-record";
import { withRetry } from "../retry";
import { environmentSpecFor } from "../whole-environment";
import { defineRunKind } from "./types";

export type DriftLoad = { environment: Environment; plan: Plan; document: TemplateDocument; recorded: EnvironmentResource[] };

/** An engine that cannot read drift: the check fails with this, at the normal interval (retrying sooner cannot help). */
export class DriftUnsupportedError extends Error {}

export const driftKind = defineRunKind<DriftLoad, DriftReport>({
  noun: "drift check",

  /**
   * The environment, its current plan and template, and its ready resources: one query. The plan
   * is the last applied day-2 update's (what the environment was changed to), else its create
   * request's: compared with the plan it was created with, what an update added would be "extra"
   * (and a reconcile would delete it).
   */
  async load(db: Database, run) {
    const current = sql<Plan>`coalesce((select u.plan from ${requests} u where u.environment_id = ${environments.id} and u.kind = 'update'
      and u.status = 'applied' order by u.updated_at desc limit 1), ${requests.plan})`;
    const rows = await db
      .select({ environment: environments, plan: current, document: templateVersions.document, resource: environmentResources })
      .from(environments)
      .innerJoin(requests, eq(requests.id, environments.requestId))
      .innerJoin(templateVersions, eq(templateVersions.id, environments.templateVersionId))
      .leftJoin(environmentResources, and(eq(environmentResources.environmentId, environments.id), eq(environmentResources.status, "ready")))
      .where(eq(environments.id, run.environmentId))
      .orderBy(environmentResources.createdAt);
    const first = rows[0];
    if (!first) throw new Error(`the run's environment ${run.environmentId} (or its request or template version) is missing`);
    return {
      environment: first.environment,
      plan: first.plan as Plan,
      document: first.document as TemplateDocument,
      recorded: rows.flatMap((r) => (r.resource ? [r.resource] : [])),
    };
  },

  async execute(scope, { environment, plan, recorded }) {
    const engine = scope.engine(environment.engine);
    const ctx = scope.engineContext(environment.id);
    scope.log({ level: "info", message: `Drift check started on ${scope.workerId} (read-only: nothing is changed)` });
    let report: DriftReport;
    if (engine.checkDrift) {
      const spec = await environmentSpecFor(scope.db, environment.id);
      report = await withRetry(() => engine.checkDrift!(ctx, spec), scope.retry);
    } else if (engine.applyAll) {
      throw new DriftUnsupportedError("this engine cannot read drift yet");
    } else {
      const actual = await withRetry(() => engine.read(ctx), scope.retry);
      const desired = desiredResources(environment, plan, recorded);
      report = compareDrift(engine, desired, actual, new Map(recorded.map((r) => [r.address, r.providerId])));
    }
    for (const r of report.resources) scope.log({ level: "warn", message: `Drift: ${r.address} is ${r.kind}`, address: r.address });
    return report;
  },

  async finish(tx, scope, loaded, outcome) {
    const check = await recordDriftCheck(tx, {
      environment: loaded.environment,
      document: loaded.document,
      runId: scope.run.id,
      outcome:
        outcome.status === "succeeded"
          ? { report: outcome.result }
          : { failure: outcome.error.message, unsupported: outcome.error instanceof DriftUnsupportedError },
    });
    scope.log({
      level: check.result === "failed" ? "error" : "info",
      message:
        check.result === "failed"
          ? `Check failed: ${outcome.status === "failed" ? outcome.error.message : ""}`
          : check.result === "drifted"
            ? `Drift check finished: ${check.resources} resources drifted`
            : "Drift check finished: in sync",
    });
  },
});
