/**
 * Apply runs: from a provisioning environment to a ready one. Resource by resource in
 * dependency order (resources-loop in apply-resources.ts), or as a whole by engines that apply
 * environments (terraform). A permanent failure follows the template's policy: destroy what was
 * created (cleanup) or keep it for debugging, and the environment says which.
 */
import { and, eq, inArray } from "drizzle-orm";
import type { Database, Executor, Transaction } from "~/db/client";
import {
  environmentResources,
  environments,
  requests,
  teams,
  templateVersions,
  type Environment,
  type EnvironmentResource,
  type Request,
} from "~/db/schema";
import { sendTogether } from "~/db/together";
import { auditInsert, systemActor } from "~/server/core/audit";
import { eventTogether, notificationInsert, publishEvent, type ProvisioEvent } from "~/server/core/events";
import { sealSecret } from "~/server/core/secret-box";
import { evaluate, type EvaluationContext } from "~/server/templates/expressions";
import type { TemplateDocument } from "~/server/templates/format";
import type { Plan } from "~/server/templates/plan";
import { EngineError, type ActualResource } from "~/server/engines/engine";
import { resourceWritesTogether, type ResourceWrite } from "../bookkeeping";
import { resolveReferences } from "../references";
import { insertLines } from "../run-log";
import type { RunScope } from "../scope";
import { environmentMove, moveEnvironmentWith, requestMove } from "../status";
import { isPlanChanged, returnToApproval } from "../saved-plan";
import { applyWholeEnvironment, cleanupWholeEnvironment } from "../whole-environment";
import { applyResources, cleanUpResources } from "./apply-resources";
import { defineRunKind, type Outcome } from "./types";
import { unfinishedResourceStatuses } from "~/db/vocabulary";

export type ApplyLoad = { environment: Environment; request: Request; document: TemplateDocument; teamSlug: string; ready: EnvironmentResource[] };
type ApplyResult = {
  outputs: Record<string, string>;
  secrets: Record<string, string>;
  resources: number;
  /** Resource records written with the outcome (the last resource's ready: apply-pipeline.ts). */
  withOutcome?: ResourceWrite[];
};

/** The environment, its request, template and team, and the resources already made: one query. */
async function load(db: Database, environmentId: string): Promise<ApplyLoad> {
  const rows = await db
    .select({
      environment: environments,
      request: requests,
      document: templateVersions.document,
      teamSlug: teams.slug,
      resource: environmentResources,
    })
    .from(environments)
    .innerJoin(requests, eq(requests.id, environments.requestId))
    .innerJoin(templateVersions, eq(templateVersions.id, environments.templateVersionId))
    .innerJoin(teams, eq(teams.id, environments.teamId))
    .leftJoin(environmentResources, and(eq(environmentResources.environmentId, environments.id), inArray(environmentResources.status, ["ready"])))
    .where(eq(environments.id, environmentId))
    .orderBy(environmentResources.createdAt);
  const first = rows[0];
  if (!first) throw new Error(`the run's environment ${environmentId} (or its request, template version or team) is missing`);
  return {
    environment: first.environment,
    request: first.request,
    document: first.document as TemplateDocument,
    teamSlug: first.teamSlug,
    ready: rows.flatMap((r) => (r.resource ? [r.resource] : [])),
  };
}

/** Output values from the template, resolved against what was created; sensitive ones apart. */
export function computeOutputs(document: TemplateDocument, actual: ReadonlyMap<string, ActualResource>, context: EvaluationContext) {
  const outputs: Record<string, string> = {};
  const secrets: Record<string, string> = {};
  for (const output of document.spec.outputs) {
    try {
      // Parameters and env first (as the plan did), then the resources' attributes.
      const value = String(resolveReferences(evaluate(output.value, context), actual));
      (output.sensitive ? secrets : outputs)[output.name] = value;
    } catch {
      // An output of a resource that was not created (when: false) is simply absent.
    }
  }
  return { outputs, secrets };
}

export const applyKind = defineRunKind<ApplyLoad, ApplyResult>({
  noun: "run",
  // finish opens no run: the status goes last (kinds/types.ts).
  statusLast: true,
  load: (db, run) => load(db, run.environmentId),

  async execute(scope, loaded) {
    const { environment, request, document } = loaded;
    const engine = scope.engine(environment.engine);
    const ctx = scope.engineContext(environment.id);
    const attempt = scope.run.attempts;
    scope.log({
      level: "info",
      message: attempt > 1 ? `Resuming apply (attempt ${attempt}) on ${scope.workerId}` : `Apply started on ${scope.workerId}`,
    });
    // Engines that apply a whole environment (terraform) report its outputs themselves.
    if (engine.applyAll) {
      // The open's commit did not wait for the disk (start-apply.ts): the log's synchronous commit
      // makes it durable before the engine creates anything (the per-resource path's records do it).
      await scope.lines.flush();
      return applyWholeEnvironment(scope.db, { environmentId: environment.id, engine, ctx, retry: scope.retry, approvedPlan: true });
    }
    const { actual, withOutcome } = await applyResources(scope, { environment, plan: request.plan as Plan, engine, ready: loaded.ready });
    const { outputs, secrets } = computeOutputs(document, actual, {
      params: request.parameters,
      env: { name: environment.name, tier: environment.tier, team: loaded.teamSlug },
      index: null,
    });
    return { outputs, secrets, resources: actual.size, withOutcome };
  },

  async cleanUp(scope, { environment }, error) {
    scope.log({ level: "error", message: `Apply failed: ${error.message}` });
    const engine = scope.engine(environment.engine);
    const ctx = scope.engineContext(environment.id);
    // Nothing was applied: the changed plan waits for approval, what exists stays.
    if (error instanceof EngineError && error.options.code === "plan_changed") return error.message;
    if (environment.onFailure === "cleanup" && engine.destroyAll) {
      return cleanupWholeEnvironment(scope.db, { environmentId: environment.id, engine, ctx, retry: scope.retry, log: scope.log, error });
    }
    const touched = await scope.db
      .select()
      .from(environmentResources)
      .where(
        and(eq(environmentResources.environmentId, environment.id), inArray(environmentResources.status, [...unfinishedResourceStatuses, "ready"])),
      )
      // In apply order (the table's own order is not), so cleanup destroys dependents first.
      .orderBy(environmentResources.createdAt);
    if (environment.onFailure !== "cleanup") return `${error.message}. Kept for debugging: ${touched.length} resources (template policy: keep).`;
    const destroyed = await cleanUpResources(scope, { engine, ctx, touched });
    return `${error.message}. Cleaned up: ${destroyed} of ${touched.length} resources destroyed.`;
  },

  // One statement for the environment, request, audit, notification and log lines (moveEnvironmentWith), then the webhooks.
  async finish(tx, scope, loaded, outcome, take) {
    await recordWithOutcome(tx, scope, outcome);
    const { to, set, also, event } = recordsOf(tx, scope, loaded, outcome);
    const logged = take();
    await moveEnvironmentWith(tx, loaded.environment, to, set, [
      ...also,
      notificationInsert(tx, event),
      logged.length ? insertLines(scope.run.id, logged) : null,
    ]);
    // Terraform: the plan changed after approval, so the request needs approval again (after its move to failed).
    if (outcome.status === "failed" && isPlanChanged(outcome.error)) await returnToApproval(tx, loaded.request.id);
    await publishEvent(tx, { ...event, notify: null });
  },

  // Refused by the environment: the run fails, and the last resource is still recorded ready.
  keepWhenRefused: recordWithOutcome,

  // The same records, the run's status and the log in one statement; a plan that changed needs finish's transaction.
  finishTogether(db, scope, loaded, outcome) {
    if (outcome.status === "failed" && isPlanChanged(outcome.error)) return null;
    const { to, set, also, event } = recordsOf(db, scope, loaded, outcome);
    const published = eventTogether(db, event);
    // The last resource's ready: recorded by this statement or not at all (a lost claim refuses it whole).
    const resources = outcomeResourceWrites(outcome);
    return {
      environment: { write: environmentMove(db, loaded.environment, to, set), id: loaded.environment.id, from: loaded.environment.status, to },
      writes: [...resources, ...also, ...published.writes],
      named: published.named,
      calls: published.calls,
    };
  },
});

/** The resource records that go with a succeeded outcome (withOutcome), unguarded: the outcome's statement or transaction guards them. */
function outcomeResourceWrites(outcome: Outcome<ApplyResult>) {
  return resourceWritesTogether(outcome.status === "succeeded" ? (outcome.result.withOutcome ?? []) : []);
}

/** The same records as a statement of the outcome's transaction. */
async function recordWithOutcome(tx: Transaction, _scope: RunScope, outcome: Outcome<ApplyResult>): Promise<void> {
  const writes = outcomeResourceWrites(outcome);
  if (writes.length) await sendTogether(tx, { writes });
}

/** An apply's outcome records: the environment's move, the request's, the audit entry and the event (logged as it is described). */
function recordsOf(db: Executor, scope: RunScope, { environment, request }: ApplyLoad, outcome: Outcome<ApplyResult>) {
  const runId = scope.run.id;
  const subject = { subjectType: "environment", subjectId: environment.id, teamId: environment.teamId, correlationId: request.id };
  if (outcome.status === "succeeded") {
    const { outputs, secrets, resources } = outcome.result;
    scope.log({ level: "info", message: `Apply finished: ${resources} resources ready` });
    return {
      to: "ready" as const,
      set: {
        readyAt: new Date(),
        outputs,
        secretOutputsCiphertext: Object.keys(secrets).length ? sealSecret(JSON.stringify(secrets), "environment-outputs", environment.id) : null,
      },
      also: [
        requestMove(db, request.id, "ready"),
        auditInsert(db, systemActor, { action: "environment.ready", ...subject, after: { resources, runId } }),
      ],
      event: {
        type: "run.succeeded",
        teamId: environment.teamId,
        subject: `environments/${environment.id}`,
        data: { environmentId: environment.id, requestId: request.id, runId, name: environment.name, resources },
        notify: {
          userIds: [environment.ownerId],
          kind: "run_succeeded",
          title: `${environment.name} is ready`,
          body: `${resources} resources created.`,
          link: `/environments/${environment.id}`,
          requestId: request.id,
        },
      } satisfies ProvisioEvent,
    };
  }
  const { error, summary } = outcome;
  scope.log({ level: "error", message: summary });
  return {
    to: "failed" as const,
    set: { failureSummary: summary },
    also: [
      requestMove(db, request.id, "failed"),
      auditInsert(db, systemActor, { action: "environment.failed", ...subject, after: { summary, runId } }),
    ],
    event: {
      type: "run.failed",
      teamId: environment.teamId,
      subject: `environments/${environment.id}`,
      data: { environmentId: environment.id, requestId: request.id, runId, name: environment.name, error: error.message },
      notify: {
        userIds: [environment.ownerId],
        kind: "run_failed",
        title: `${environment.name} failed to provision`,
        body: summary,
        link: `/environments/${environment.id}`,
        requestId: request.id,
      },
    } satisfies ProvisioEvent,
  };
}
