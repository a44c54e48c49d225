/**
 * The runner's side of engines that apply an environment as a whole (terraform, `applyAll` /
 * `destroyAll`): building what the engine needs from the environment's records, and recording
 * what it reports as environment_resources rows, one per resource the engine's state holds, with
 * tags and hourly cost, so they show and cost like any engine's resources (the cost trigger opens
 * a record when a row becomes ready and closes it when it is deleted). The engine's own state is
 * the source of truth: rows are written from it after every apply, and rows it no longer holds
 * are marked deleted.
 */
import { and, eq, inArray, notInArray, sql } from "drizzle-orm";
import type { Database } from "~/db/client";
import { environmentResources, environments, requests, teams, templates, templateVersions, users } from "~/db/schema";
import { mayExistResourceStatuses } from "~/db/vocabulary";
import type { EngineContext, EnvironmentResult, EnvironmentSpec } from "~/server/engines/engine";
import { sealSecret } from "~/server/core/secret-box";
import type { ParameterValue } from "~/server/schemas/template-parameters";
import type { TemplateDocument } from "~/server/templates/format";
import { resourceTags, type Plan } from "~/server/templates/plan";
import { defaultRetry, withRetry, type RetryOptions } from "./retry";
import { applySavedPlan } from "./saved-plan";
import type { Engine } from "~/server/engines/engine";

type Log = EngineContext["log"];

/** What an update run moves an environment to (issue 14): another version and/or parameters, and their plan. */
export type UpdateTarget = { templateVersionId: string; parameters: Record<string, unknown>; plan?: Plan };

/** What a whole-environment engine needs to apply or destroy `environmentId`, from our records. */
export async function environmentSpecFor(db: Database, environmentId: string, target?: UpdateTarget): Promise<EnvironmentSpec> {
  const [row] = await db
    .select({
      environment: environments,
      request: requests,
      version: templateVersions,
      templateName: templates.name,
      team: teams,
      ownerEmail: users.email,
    })
    .from(environments)
    .innerJoin(requests, eq(requests.id, environments.requestId))
    .innerJoin(templateVersions, target ? eq(templateVersions.id, target.templateVersionId) : eq(templateVersions.id, environments.templateVersionId))
    .innerJoin(templates, eq(templates.id, templateVersions.templateId))
    .innerJoin(teams, eq(teams.id, environments.teamId))
    .innerJoin(users, eq(users.id, environments.ownerId))
    .where(eq(environments.id, environmentId))
    .limit(1);
  if (!row) throw new Error(`environment ${environmentId} (or its request, template version or team) is missing`);
  const { environment, request, version, team } = row;
  const document = version.document as TemplateDocument;
  // An update run applies its target; otherwise what the environment runs with now (after an update, its own).
  const parameters = (target?.parameters ?? environment.parameters ?? request.parameters) as Record<string, ParameterValue | undefined>;
  const context = { params: parameters, env: { name: environment.name, tier: environment.tier, team: team.slug }, index: null };
  // The tags as they are now (an extension moves expires-at), with the environment's own id.
  const tags = {
    ...resourceTags(
      document.spec,
      context,
      {
        environmentName: environment.name,
        tier: environment.tier,
        team: team.slug,
        tagValues: {
          team: team.slug,
          owner: row.ownerEmail,
          "cost-center": team.costCenter,
          "expires-at": environment.expiresAt.toISOString(),
          "request-id": request.id,
          "environment-id": environment.id,
        },
      },
      row.templateName,
    ),
  };
  const plan = target?.plan ?? (request.plan as Plan);
  return {
    environmentId: environment.id,
    template: { name: row.templateName, version: version.version, document, moduleFiles: version.moduleFiles },
    parameters,
    environment: { name: environment.name, tier: environment.tier, team: team.slug },
    tags,
    planned: plan.resources.map((r) => ({
      address: r.address,
      id: r.id,
      index: r.index,
      region: r.region,
      size: r.size,
      hourlyMicros: r.hourlyMicros,
    })),
  };
}

/** Makes environment_resources match what the engine reports: upserts each as ready, marks the rest deleted. */
export async function recordResources(db: Database, environmentId: string, resources: EnvironmentResult["resources"]): Promise<void> {
  await db.transaction(async (tx) => {
    for (const r of resources) {
      const [row] = await tx
        .insert(environmentResources)
        .values({
          environmentId,
          address: r.address,
          type: r.type,
          idempotencyKey: r.idempotencyKey,
          providerId: r.providerId,
          status: "ready",
          properties: r.properties,
          attributes: r.attributes,
          tags: r.tags,
          hourlyMicros: r.hourlyMicros,
          readyAt: new Date(),
        })
        .onConflictDoUpdate({
          target: environmentResources.idempotencyKey,
          set: {
            type: r.type,
            providerId: r.providerId,
            properties: r.properties,
            attributes: r.attributes,
            tags: r.tags,
            hourlyMicros: r.hourlyMicros,
            status: "ready",
            readyAt: sql`case when ${environmentResources.status} = 'ready' then ${environmentResources.readyAt} else now() end`,
            deletedAt: null,
          },
        })
        .returning({ id: environmentResources.id });
      if (!row) throw new Error("resource row upsert returned nothing");
      const sealed = Object.keys(r.sensitive).length ? sealSecret(JSON.stringify(r.sensitive), "resource-sensitive", row.id) : null;
      await tx.update(environmentResources).set({ sensitiveCiphertext: sealed }).where(eq(environmentResources.id, row.id));
    }
    const kept = resources.map((r) => r.idempotencyKey);
    await tx
      .update(environmentResources)
      .set({ status: "deleted", deletedAt: new Date() })
      .where(
        and(
          eq(environmentResources.environmentId, environmentId),
          inArray(environmentResources.status, mayExistResourceStatuses),
          kept.length ? notInArray(environmentResources.idempotencyKey, kept) : undefined,
        ),
      );
  });
}

/**
 * Applies the whole environment and records its resources; returns its outputs. When the apply
 * fails, what the engine's state holds by then is still recorded (so cleanup and costs see it).
 */
export async function applyWholeEnvironment(
  db: Database,
  input: { environmentId: string; engine: Engine; ctx: EngineContext; retry: RetryOptions; target?: UpdateTarget; approvedPlan?: boolean },
) {
  const { environmentId, engine, ctx, retry } = input;
  if (!engine.applyAll) throw new Error(`the ${engine.name} engine has no applyAll`);
  const spec = await environmentSpecFor(db, environmentId, input.target);
  let result: EnvironmentResult;
  try {
    // An approved request's apply on an engine that saves plans (terraform): exactly the saved plan.
    result =
      input.approvedPlan && engine.planAll
        ? await applySavedPlan(db, { environmentId, engine: engine as Parameters<typeof applySavedPlan>[1]["engine"], ctx, spec, retry })
        : await withRetry(() => engine.applyAll!(ctx, spec), retry);
  } catch (error) {
    await recordFromState(db, environmentId, engine, ctx).catch(() => undefined);
    throw error;
  }
  await recordResources(db, environmentId, result.resources);
  return { outputs: result.outputs, secrets: result.sensitiveOutputs, resources: result.resources.length };
}

/** After a failed apply: rows for what the engine's state holds, without costs it cannot know yet. */
async function recordFromState(db: Database, environmentId: string, engine: Engine, ctx: EngineContext) {
  const existing = await engine.read(ctx);
  if (!existing.length) return;
  await recordResources(
    db,
    environmentId,
    existing.map((r) => ({ ...r, hourlyMicros: 0 })),
  );
}

/** Destroys the whole environment and marks its rows deleted. */
export async function destroyWholeEnvironment(
  db: Database,
  input: { environmentId: string; engine: Engine; ctx: EngineContext; retry?: RetryOptions; log: Log },
) {
  const { environmentId, engine, ctx, log } = input;
  if (!engine.destroyAll) throw new Error(`the ${engine.name} engine has no destroyAll`);
  const retry: RetryOptions = input.retry ?? { ...defaultRetry, signal: ctx.signal };
  await db
    .update(environmentResources)
    .set({ status: "deleting" })
    .where(and(eq(environmentResources.environmentId, environmentId), inArray(environmentResources.status, ["creating", "ready", "failed"])));
  const spec = await environmentSpecFor(db, environmentId);
  await withRetry(() => engine.destroyAll!(ctx, spec), retry);
  const gone = await db
    .update(environmentResources)
    .set({ status: "deleted", deletedAt: new Date() })
    .where(and(eq(environmentResources.environmentId, environmentId), inArray(environmentResources.status, mayExistResourceStatuses)))
    .returning({ address: environmentResources.address });
  await log({ level: "info", message: `Destroyed ${gone.length} recorded resources with the environment's state` });
  return gone.length;
}

/** Cleanup after a failed apply (template policy `cleanup`): the summary the environment shows. */
export async function cleanupWholeEnvironment(
  db: Database,
  input: { environmentId: string; engine: Engine; ctx: EngineContext; retry: RetryOptions; log: Log; error: Error },
): Promise<string> {
  const { log, error } = input;
  await log({ level: "info", message: "Cleaning up what the failed apply created (template policy: cleanup)" });
  try {
    const destroyed = await destroyWholeEnvironment(db, input);
    return `${error.message}. Cleaned up: ${destroyed} resources destroyed.`;
  } catch (cleanupError) {
    await db
      .update(environmentResources)
      .set({ status: "failed" })
      .where(and(eq(environmentResources.environmentId, input.environmentId), eq(environmentResources.status, "deleting")));
    await log({ level: "error", message: `Could not clean up: ${(cleanupError as Error).message}` });
    return `${error.message}. Cleanup failed: ${(cleanupError as Error).message}`;
  }
}
