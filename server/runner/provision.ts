/**
 * From a queued request to a ready environment. `startApply` turns the request into an
 * environment and an apply run (idempotently: a retried job finds them), `executeRun` claims the
 * run, heartbeats while it works, and applies resource by resource: each resource is tracked in
 * environment_resources BEFORE the engine is asked to create it, and the engine adopts what
 * already exists under the same idempotency key, so a retried or resumed run never creates a
 * duplicate and never loses track of one. A permanent failure follows the template's policy:
 * destroy what was created (cleanup) or keep it for debugging, and the environment says which.
 */
import { and, eq, inArray, lt, or, sql } from "drizzle-orm";
import type { Database } from "~/db/client";
import { environmentResources, environments, requests, runs, teams, templateVersions, type EnvironmentResource } from "~/db/schema";
import { EngineError, type ActualResource, type Engine, type EngineContext } from "~/server/engines/engine";
import type { EngineName } from "~/server/engines/types";
import { publishEvent } from "~/server/core/events";
import { recordAudit, systemActor } from "~/server/core/audit";
import { openSecret, sealSecret } from "~/server/core/secret-box";
import type { TemplateDocument } from "~/server/templates/format";
import type { Plan, PlannedResource } from "~/server/templates/plan";
import { evaluate, type EvaluationContext } from "~/server/templates/expressions";
import { executeDestroy } from "./destroy";
import { executeUpdate } from "./update";
import { handBack, runScope } from "./run-scope";
import { applyOrder, resolveReferences } from "./references";
import { withRetry, type RetryOptions } from "./retry";
import { type appendRunEvent } from "./run-log";
import { applyWholeEnvironment, cleanupWholeEnvironment } from "./whole-environment";

export type EngineRegistry = (name: EngineName) => Engine;
export type RunnerOptions = { workerId: string; engines: EngineRegistry; retry?: Omit<RetryOptions, "signal" | "onRetry">; heartbeatMs?: number; signal?: AbortSignal };

/** A run whose heartbeat is older than this lost its worker (tests shorten it with PROVISIO_RUN_STALE_MS). */
export const STALE_RUN_MS = Number(process.env.PROVISIO_RUN_STALE_MS ?? 30_000);
const HEARTBEAT_MS = Number(process.env.PROVISIO_RUN_HEARTBEAT_MS ?? 5_000);

/** Creates the environment and its apply run for a queued request; returns the run to execute, or null when there is nothing to do. */
export async function startApply(db: Database, requestId: string): Promise<string | null> {
  return db.transaction(async (tx) => {
    const [request] = await tx.select().from(requests).where(eq(requests.id, requestId)).for("update").limit(1);
    if (!request) return null;
    const [existing] = await tx.select().from(environments).where(eq(environments.requestId, requestId)).limit(1);
    if (existing) {
      const [active] = await tx.select({ id: runs.id }).from(runs).where(and(eq(runs.environmentId, existing.id), inArray(runs.status, ["queued", "running"]))).limit(1);
      return active?.id ?? null;
    }
    if (request.status !== "queued") return null;
    const [version] = await tx.select().from(templateVersions).where(eq(templateVersions.id, request.templateVersionId));
    const document = version?.document as TemplateDocument | undefined;
    if (!document) return null;
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
        expiresAt: new Date(request.submittedAt.getTime() + request.ttlHours * 3_600_000),
      })
      .returning();
    if (!environment) throw new Error("environment insert returned nothing");
    const [run] = await tx.insert(runs).values({ environmentId: environment.id, kind: "apply", status: "queued" }).returning();
    await tx.update(requests).set({ status: "provisioning", version: request.version + 1, updatedAt: new Date() }).where(eq(requests.id, request.id));
    await recordAudit(tx, systemActor, { action: "environment.provisioning", subjectType: "environment", subjectId: environment.id, teamId: request.teamId, correlationId: request.id, after: { runId: run?.id } });
    return run?.id ?? null;
  });
}

/** Claims a queued run, or a running one whose worker stopped heartbeating. */
async function claim(db: Database, runId: string, workerId: string) {
  const [claimed] = await db
    .update(runs)
    .set({ status: "running", workerId, heartbeatAt: new Date(), attempts: sql`${runs.attempts} + 1`, startedAt: sql`coalesce(${runs.startedAt}, now())` })
    .where(
      and(
        eq(runs.id, runId),
        or(eq(runs.status, "queued"), and(eq(runs.status, "running"), lt(runs.heartbeatAt, new Date(Date.now() - STALE_RUN_MS)))),
      ),
    )
    .returning();
  return claimed ?? null;
}

export function toActual(row: EnvironmentResource): ActualResource {
  const sensitive = row.sensitiveCiphertext ? (JSON.parse(openSecret(row.sensitiveCiphertext, "resource-sensitive", row.id)) as Record<string, string>) : {};
  return {
    address: row.address,
    type: row.type,
    providerId: row.providerId ?? "",
    properties: row.properties,
    attributes: row.attributes,
    sensitive,
    tags: row.tags,
    idempotencyKey: row.idempotencyKey,
    status: "ready",
  };
}

/** Runs (or resumes) an apply. Safe to call twice: only one worker holds a run at a time. */
export async function executeRun(db: Database, runId: string, options: RunnerOptions): Promise<"succeeded" | "failed" | "handed_back" | "not_claimed"> {
  const run = await claim(db, runId, options.workerId);
  if (!run) return "not_claimed";
  let scope: ReturnType<typeof runScope> | undefined;
  const heartbeat = setInterval(() => {
    void db.update(runs).set({ heartbeatAt: new Date() }).where(and(eq(runs.id, runId), eq(runs.workerId, options.workerId))).catch(() => undefined);
  }, options.heartbeatMs ?? HEARTBEAT_MS);
  try {
    if (run.kind === "destroy") return await executeDestroy(db, run, options);
    if (run.kind === "update") return await executeUpdate(db, run, options);
    const [environment] = await db.select().from(environments).where(eq(environments.id, run.environmentId));
    if (!environment) throw new Error("the run's environment is missing");
    const [request] = await db.select().from(requests).where(eq(requests.id, environment.requestId));
    const [version] = await db.select().from(templateVersions).where(eq(templateVersions.id, environment.templateVersionId));
    if (!request || !version) throw new Error("the run's request or template version is missing");
    const document = version.document as TemplateDocument;
    const engine = options.engines(environment.engine as EngineName);
    scope = runScope(db, runId, options);
    const { log, retry, signal } = scope;
    const ctx: EngineContext = { environmentId: environment.id, log, signal };
    await log({ level: "info", message: run.attempts > 1 ? `Resuming apply (attempt ${run.attempts}) on ${options.workerId}` : `Apply started on ${options.workerId}` });
    const plan = request.plan as Plan;
    // Engines that apply a whole environment (terraform) report its outputs themselves.
    let engineOutputs: { outputs: Record<string, string>; secrets: Record<string, string> } | undefined;
    try {
      if (engine.applyAll) engineOutputs = await applyWholeEnvironment(db, { environmentId: environment.id, engine, ctx, retry });
      else await applyResources(db, { environmentId: environment.id, plan, engine, ctx, retry, log });
    } catch (error) {
      if (signal.aborted && !(error instanceof EngineError && error.kind === "permanent")) return await handBack(db, runId, log, "run");
      await failApply(db, { runId, environment, request, document, engine, ctx, retry, log, error: error as Error });
      return "failed";
    }
    await finishApply(db, { runId, environment, request, document, log, outputs: engineOutputs });
    return "succeeded";
  } finally {
    clearInterval(heartbeat);
    scope?.release();
  }
}

async function applyResources(
  db: Database,
  input: { environmentId: string; plan: Plan; engine: Engine; ctx: EngineContext; retry: RetryOptions; log: (e: Parameters<typeof appendRunEvent>[2]) => Promise<void> },
) {
  const { environmentId, plan, engine, ctx, retry, log } = input;
  const ordered: PlannedResource[] = applyOrder(plan.resources);
  const rows = await db.select().from(environmentResources).where(eq(environmentResources.environmentId, environmentId));
  const actual = new Map<string, ActualResource>(rows.filter((r) => r.status === "ready").map((r) => [r.address, toActual(r)]));
  await log({ level: "info", message: `Plan: ${ordered.length} resources, ${actual.size} already created` });
  for (const planned of ordered) {
    ctx.signal.throwIfAborted();
    if (actual.has(planned.address)) continue;
    const properties = resolveReferences(planned.properties, actual) as Record<string, unknown>;
    const idempotencyKey = `${environmentId}/${planned.address}`;
    // The plan was made before the environment existed: its id is known only now.
    const tags = { ...planned.tags, "environment-id": environmentId };
    // Tracked before the engine is called: a crash after the call still leaves a record to find it by.
    const [row] = await db
      .insert(environmentResources)
      .values({ environmentId, address: planned.address, type: planned.type, idempotencyKey, status: "creating", properties, tags, hourlyMicros: planned.hourlyMicros })
      .onConflictDoUpdate({ target: environmentResources.idempotencyKey, set: { status: "creating", properties, deletedAt: null } })
      .returning();
    if (!row) throw new Error("resource row insert returned nothing");
    await log({ level: "info", message: `Creating ${planned.address} (${planned.type}${planned.size ? `, ${planned.size}` : ""})`, address: planned.address });
    const started = Date.now();
    const desired = { address: planned.address, type: planned.type, properties, tags, idempotencyKey };
    // Secret inputs (a database's owner password) go to the engine only, never to our rows or the log.
    const input = engine.withSecretInputs ? engine.withSecretInputs(desired, actual) : desired;
    const result = await withRetry(() => engine.apply(ctx, input, null), retry);
    await db
      .update(environmentResources)
      .set({
        providerId: result.providerId,
        attributes: result.attributes,
        sensitiveCiphertext: Object.keys(result.sensitive).length ? sealSecret(JSON.stringify(result.sensitive), "resource-sensitive", row.id) : null,
        status: "ready",
        readyAt: new Date(),
      })
      .where(eq(environmentResources.id, row.id));
    actual.set(planned.address, result);
    const durationMs = Date.now() - started;
    await log({ level: "info", message: `Created ${planned.address} as ${result.providerId} in ${durationMs} ms`, address: planned.address, data: { durationMs } });
  }
}

/** Output values from the template, resolved against what was created; sensitive ones sealed. */
function computeOutputs(document: TemplateDocument, actual: Map<string, ActualResource>, context: EvaluationContext) {
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

async function finishApply(
  db: Database,
  input: {
    runId: string;
    environment: typeof environments.$inferSelect;
    request: typeof requests.$inferSelect;
    document: TemplateDocument;
    log: (e: Parameters<typeof appendRunEvent>[2]) => Promise<void>;
    /** Outputs the engine reported (whole-environment engines); else computed from the template. */
    outputs?: { outputs: Record<string, string>; secrets: Record<string, string> };
  },
) {
  const { runId, environment, request, document, log } = input;
  const rows = await db.select().from(environmentResources).where(eq(environmentResources.environmentId, environment.id));
  const actual = new Map(rows.filter((r) => r.status === "ready").map((r) => [r.address, toActual(r)]));
  const [team] = await db.select({ slug: teams.slug }).from(teams).where(eq(teams.id, environment.teamId));
  const { outputs, secrets } = input.outputs ?? computeOutputs(document, actual, {
    params: request.parameters,
    env: { name: environment.name, tier: environment.tier, team: team?.slug ?? "" },
    index: null,
  });
  await db.transaction(async (tx) => {
    await tx
      .update(environments)
      .set({ status: "ready", readyAt: new Date(), outputs, secretOutputsCiphertext: Object.keys(secrets).length ? sealSecret(JSON.stringify(secrets), "environment-outputs", environment.id) : null, version: environment.version + 1, updatedAt: new Date() })
      .where(eq(environments.id, environment.id));
    await tx.update(requests).set({ status: "ready", version: sql`${requests.version} + 1`, updatedAt: new Date() }).where(eq(requests.id, request.id));
    await tx.update(runs).set({ status: "succeeded", finishedAt: new Date(), error: null }).where(eq(runs.id, runId));
    await recordAudit(tx, systemActor, { action: "environment.ready", subjectType: "environment", subjectId: environment.id, teamId: environment.teamId, correlationId: request.id, after: { resources: actual.size, runId } });
    await publishEvent(tx, {
      type: "run.succeeded",
      teamId: environment.teamId,
      subject: `environments/${environment.id}`,
      data: { environmentId: environment.id, requestId: request.id, runId, name: environment.name, resources: actual.size },
      notify: { userIds: [environment.ownerId], kind: "run_succeeded", title: `${environment.name} is ready`, body: `${actual.size} resources created.`, link: `/environments/${environment.id}`, requestId: request.id },
    });
  });
  await log({ level: "info", message: `Apply finished: ${actual.size} resources ready` });
}

async function failApply(
  db: Database,
  input: {
    runId: string;
    environment: typeof environments.$inferSelect;
    request: typeof requests.$inferSelect;
    document: TemplateDocument;
    engine: Engine;
    ctx: EngineContext;
    retry: RetryOptions;
    log: (e: Parameters<typeof appendRunEvent>[2]) => Promise<void>;
    error: Error;
  },
) {
  const { runId, environment, request, engine, ctx, retry, log, error } = input;
  await log({ level: "error", message: `Apply failed: ${error.message}` });
  // In apply order (the table's own order is not), so cleanup destroys dependents first.
  const rows = await db.select().from(environmentResources).where(eq(environmentResources.environmentId, environment.id)).orderBy(environmentResources.createdAt);
  const touched = rows.filter((r) => r.status === "creating" || r.status === "ready");
  let summary: string;
  if (environment.onFailure === "cleanup" && engine.destroyAll) {
    summary = await cleanupWholeEnvironment(db, { environmentId: environment.id, engine, ctx, retry, log, error });
  } else if (environment.onFailure === "cleanup") {
    await log({ level: "info", message: `Cleaning up ${touched.length} resources (template policy: cleanup)` });
    // What the engine really has, so a resource created just before a crash is found by its key.
    let readFailed = false;
    const existing = await withRetry(() => engine.read(ctx), retry).catch(() => {
      readFailed = true;
      return [] as ActualResource[];
    });
    const byKey = new Map(existing.map((r) => [r.idempotencyKey, r]));
    let destroyed = 0;
    for (const row of [...touched].reverse()) {
      // Unread, a resource whose create answer was lost may still exist: the engine looks it up by its key.
      const actual = byKey.get(row.idempotencyKey) ?? (row.providerId || readFailed ? toActual(row) : null);
      try {
        if (actual) await withRetry(() => engine.destroy(ctx, actual), retry);
        await db.update(environmentResources).set({ status: "deleted", deletedAt: new Date() }).where(eq(environmentResources.id, row.id));
        destroyed++;
        await log({ level: "info", message: `Destroyed ${row.address}`, address: row.address });
      } catch (cleanupError) {
        await db.update(environmentResources).set({ status: "failed" }).where(eq(environmentResources.id, row.id));
        await log({ level: "error", message: `Could not destroy ${row.address}: ${(cleanupError as Error).message}`, address: row.address });
      }
    }
    summary = `${error.message}. Cleaned up: ${destroyed} of ${touched.length} resources destroyed.`;
  } else {
    summary = `${error.message}. Kept for debugging: ${touched.length} resources (template policy: keep).`;
  }
  await db.transaction(async (tx) => {
    await tx.update(environments).set({ status: "failed", failureSummary: summary, version: environment.version + 1, updatedAt: new Date() }).where(eq(environments.id, environment.id));
    await tx.update(requests).set({ status: "failed", version: sql`${requests.version} + 1`, updatedAt: new Date() }).where(eq(requests.id, request.id));
    await tx.update(runs).set({ status: "failed", finishedAt: new Date(), error: error.message }).where(eq(runs.id, runId));
    await recordAudit(tx, systemActor, { action: "environment.failed", subjectType: "environment", subjectId: environment.id, teamId: environment.teamId, correlationId: request.id, after: { summary, runId } });
    await publishEvent(tx, {
      type: "run.failed",
      teamId: environment.teamId,
      subject: `environments/${environment.id}`,
      data: { environmentId: environment.id, requestId: request.id, runId, name: environment.name, error: error.message },
      notify: { userIds: [environment.ownerId], kind: "run_failed", title: `${environment.name} failed to provision`, body: summary, link: `/environments/${environment.id}`, requestId: request.id },
    });
  });
  await log({ level: "error", message: summary });
}

/** Runs whose worker stopped heartbeating: the recovery sweep hands them to a live worker. */
export async function staleRuns(db: Database): Promise<string[]> {
  const rows = await db
    .select({ id: runs.id })
    .from(runs)
    .where(and(eq(runs.status, "running"), lt(runs.heartbeatAt, new Date(Date.now() - STALE_RUN_MS))));
  return rows.map((r) => r.id);
}
