/**
 * Environments day to day: the list (mine, my teams'), one environment as its page shows it
 * (resources with tags and cost, outputs with secrets masked, runs, accrued cost, expiry),
 * revealing a secret output (the owner and the team's approvers only, audited whether it is
 * allowed or not), destroying (the owner, the team's approvers or an admin, with the name typed
 * to confirm) and retrying a failed apply. Other teams' environments do not exist for the
 * caller (NOT_FOUND, like a wrong id). Every change is one transaction with its audit event and,
 * when a run must happen, its job.
 */
import { and, desc, eq, ilike, inArray, lt, lte, or, sql, type SQL } from "drizzle-orm";
import { alias } from "drizzle-orm/pg-core";
import type { z } from "zod";
import type { Database, Executor } from "~/db/client";
import {
  costRecords,
  environmentResources,
  environments,
  requests,
  runEvents,
  runs,
  teams,
  templates,
  templateVersions,
  users,
  type Environment,
} from "~/db/schema";
import { mayExistResourceStatuses } from "~/db/vocabulary";
import { monthlyCents } from "~/server/engines/pricing";
import { findEngine } from "~/server/engines/registry";
import { queueDestroy } from "~/server/runs/queue-destroy";
import { createRun } from "~/server/runs/store";
import type { listEnvironmentsInput } from "~/server/schemas/environments";
import type { TemplateDocument } from "~/server/templates/format";
import type { PlannedResource } from "~/server/templates/plan";
import { recordAudit } from "~/server/core/audit";
import { accruedMicrosSql, microsToCents } from "./cost-accrual";
import { editablePendingChange } from "./pending-change";
import { decodeRunRows, runRowsJson } from "./run-rows-json";
import { ServiceError, notFound } from "~/server/core/errors";
import { publishEvent } from "~/server/core/events";
import { assertTransition } from "~/server/core/lifecycle";
import { openSecret, SecretBoxError } from "~/server/core/secret-box";
import { canReadEnvironment, canRetry, canRevealSecret, isReadOnly, operatorCapacity, readableTeamIds } from "~/server/access/rules";
import { actorOf, type Viewer } from "./users";

type EnvironmentFacts = Pick<Environment, "ownerId" | "teamId">;

const liveStatuses = ["provisioning", "ready", "failed"] as const;

const statusWords: Record<Environment["status"], string> = {
  provisioning: "it is being provisioned",
  ready: "it is ready",
  failed: "it failed",
  destroying: "it is already being destroyed",
  destroyed: "it was already destroyed",
};

/** What the viewer may do with the environment now, and why not (shown next to the disabled action). */
export function environmentCapabilities(
  viewer: Viewer,
  environment: EnvironmentFacts & Pick<Environment, "status" | "expiresAt" | "secretOutputsCiphertext">,
  context: { ownerName: string; lastRun: { kind: string; status: string } | null; activeRun: boolean; now?: Date },
) {
  const capacity = operatorCapacity(viewer, environment);
  const readOnly = isReadOnly(viewer) ? "Auditors have read-only access." : null;
  const whoDestroys = `Only the owner (${context.ownerName}), the team's approvers or an admin can do this.`;
  const now = context.now ?? new Date();

  let destroyWhyNot: string | null = readOnly ?? (capacity ? null : whoDestroys);
  if (!destroyWhyNot && !["ready", "failed"].includes(environment.status))
    destroyWhyNot = `It cannot be destroyed now: ${statusWords[environment.status]}.`;
  if (!destroyWhyNot && context.activeRun) destroyWhyNot = "A run is in progress; wait for it to finish.";

  let retryWhyNot: string | null = readOnly ?? (capacity ? null : whoDestroys);
  if (!retryWhyNot && environment.status !== "failed") retryWhyNot = "Only a failed environment can be retried.";
  if (!retryWhyNot && context.lastRun?.kind !== "apply") retryWhyNot = "Its last run was not an apply: destroy it again instead.";
  if (!retryWhyNot && environment.expiresAt <= now) retryWhyNot = "It has expired; request a new environment instead.";

  const hasSecrets = environment.secretOutputsCiphertext !== null;
  const revealWhyNot = !hasSecrets
    ? "It has no secret outputs."
    : isReadOnly(viewer)
      ? "Auditors never see secret values."
      : canRevealSecret(viewer, environment)
        ? environment.status === "destroyed"
          ? "It was destroyed: its secrets no longer work."
          : null
        : `Only the owner (${context.ownerName}) and the team's approvers can reveal secrets.`;

  const extendWhyNot = readOnly ?? (capacity ? (environment.status === "ready" ? null : "Only a ready environment can be extended.") : whoDestroys);
  return {
    canDestroy: destroyWhyNot === null,
    destroyWhyNot,
    canRetry: retryWhyNot === null,
    retryWhyNot,
    canRevealSecrets: revealWhyNot === null,
    revealWhyNot,
    canExtend: extendWhyNot === null,
    extendWhyNot,
  };
}

// List ---------------------------------------------------------------------------------------

const owner = alias(users, "owner");
/** What the environment's running resources cost per hour now: its open cost records. */
const escapeLike = (text: string) => text.replace(/[\\%_]/g, (c) => `\\${c}`);

function visibleCondition(viewer: Viewer): SQL | undefined {
  const teamIds = readableTeamIds(viewer);
  if (teamIds === "all") return undefined;
  return teamIds.length ? inArray(environments.teamId, teamIds) : sql`false`;
}

/** The list with the viewer's environments' costs as of `now`. */
export async function listEnvironments(db: Database, viewer: Viewer, input: z.output<typeof listEnvironmentsInput>, now: Date = new Date()) {
  return accrueListTo(await loadEnvironmentList(db, viewer, input, now), now);
}

/**
 * The list as the read cache keeps it: accrued costs in micro-dollars as of `asOf`.
 * `accrueListTo` brings them to the time of the read (open records accrue at their hourly rate).
 */
export async function loadEnvironmentList(db: Database, viewer: Viewer, input: z.output<typeof listEnvironmentsInput>, now: Date = new Date()) {
  const visible = visibleCondition(viewer);
  const conditions = [
    visible,
    input.scope === "mine" ? eq(environments.ownerId, viewer.id) : undefined,
    input.status ? eq(environments.status, input.status) : undefined,
    input.tier ? eq(environments.tier, input.tier) : undefined,
    input.teamId ? eq(environments.teamId, input.teamId) : undefined,
    input.template ? eq(templates.name, input.template) : undefined,
    input.expiringWithinHours
      ? and(
          inArray(environments.status, [...liveStatuses]),
          lte(environments.expiresAt, new Date(now.getTime() + input.expiringWithinHours * 3_600_000)),
        )
      : undefined,
    input.search ? or(ilike(environments.name, `%${escapeLike(input.search)}%`), ilike(templates.name, `%${escapeLike(input.search)}%`)) : undefined,
    input.cursor ? lt(requests.number, input.cursor) : undefined,
  ].filter((c) => c !== undefined);
  // The template filter offers the templates the viewer's environments were made from (first page only).
  const templateNamesQuery = db
    .selectDistinct({ name: templates.name })
    .from(environments)
    .innerJoin(templateVersions, eq(templateVersions.id, environments.templateVersionId))
    .innerJoin(templates, eq(templates.id, templateVersions.templateId))
    .where(visible);
  // Both cost figures from one pass over each row's cost records (its environment index), as one
  // scalar subquery the planner evaluates for the page's rows only (not a lateral join).
  const costs = sql<
    [number, number]
  >`(select jsonb_build_array(coalesce(sum(${costRecords.hourlyMicros}) filter (where ${costRecords.endedAt} is null), 0),
    coalesce(sum(${accruedMicrosSql(new Date(0), now)}), 0)) from ${costRecords} where ${costRecords.environmentId} = ${environments.id})`;
  const rows = await db
    .select({
      id: environments.id,
      name: environments.name,
      status: environments.status,
      tier: environments.tier,
      expiresAt: environments.expiresAt,
      createdAt: environments.createdAt,
      readyAt: environments.readyAt,
      destroyedAt: environments.destroyedAt,
      requestId: requests.id,
      number: requests.number,
      teamId: teams.id,
      teamName: teams.name,
      ownerId: owner.id,
      ownerName: owner.name,
      templateName: templates.name,
      templateVersion: templateVersions.version,
      costs,
      // First page: the filter's template names in the same statement (an uncorrelated subquery, run once).
      templateNames: input.cursor
        ? sql<null>`null`
        : sql<string[]>`(select coalesce(array_agg(names.name order by names.name), '{}') from (${templateNamesQuery}) names)`,
    })
    .from(environments)
    .innerJoin(requests, eq(requests.id, environments.requestId))
    .innerJoin(teams, eq(teams.id, environments.teamId))
    .innerJoin(owner, eq(owner.id, environments.ownerId))
    .innerJoin(templateVersions, eq(templateVersions.id, environments.templateVersionId))
    .innerJoin(templates, eq(templates.id, templateVersions.templateId))
    .where(conditions.length ? and(...conditions) : undefined)
    .orderBy(desc(requests.number))
    .limit(input.limit + 1);
  const page = rows.slice(0, input.limit);
  // No row to carry them (nothing matches the filters): the names on their own.
  const templateNames = input.cursor ? null : (rows[0]?.templateNames ?? (await templateNamesQuery.orderBy(templates.name)).map((r) => r.name));
  return {
    asOf: now,
    environments: page.map(({ number, costs: [hourlyMicros, accruedMicros], templateNames: _names, ...r }) => ({
      ...r,
      requestLabel: `REQ-${number}`,
      hourlyMicros: Number(hourlyMicros),
      accruedMicros: Number(accruedMicros),
    })),
    nextCursor: rows.length > input.limit ? (page.at(-1)?.number ?? null) : null,
    templateNames,
  };
}

/** Micro-dollars accrued from `asOf` to `now` at an hourly rate. */
const accruedSince = (hourlyMicros: number, asOf: Date, now: Date) => (hourlyMicros * Math.max(0, now.getTime() - asOf.getTime())) / 3_600_000;

export function accrueListTo(list: Awaited<ReturnType<typeof loadEnvironmentList>>, now: Date) {
  return {
    environments: list.environments.map(({ accruedMicros, ...r }) => ({
      ...r,
      accruedCents: microsToCents(accruedMicros + accruedSince(r.hourlyMicros, list.asOf, now)),
    })),
    nextCursor: list.nextCursor,
    templateNames: list.templateNames,
  };
}

// One environment ----------------------------------------------------------------------------

const requestedBy = alias(users, "requested_by");
/** Of a planned resource, what the environment page shows next to the real one. */
type PlannedFacts = Pick<PlannedResource, "address" | "title" | "size" | "region">;

/** After a day-2 change the resources' titles and sizes are the last applied change's, not the create's. */
const lastAppliedChangePlan = sql`(select u.plan from ${requests} u where u.environment_id = ${environments.id} and u.kind = 'update'
  and u.status = 'applied' order by u.updated_at desc limit 1)`;

/** What every read of one environment selects: the row, its request's facts, team, owner, template. */
const environmentColumns = {
  environment: environments,
  request: {
    id: requests.id,
    number: requests.number,
    // What the page shows of each planned resource, not the whole plan (tags, cost lines, properties).
    plannedResources: sql<
      PlannedFacts[]
    >`(select coalesce(jsonb_agg(jsonb_build_object('address', r->'address', 'title', r->'title', 'size', r->'size', 'region', r->'region')), '[]'::jsonb)
      from jsonb_array_elements(coalesce(${lastAppliedChangePlan}, ${requests.plan})->'resources') r)`,
    ttlHours: requests.ttlHours,
    hourlyMicros: requests.hourlyMicros,
    monthlyCents: requests.monthlyCents,
    status: requests.status,
    sourceRepository: requests.sourceRepository,
    sourcePullRequest: requests.sourcePullRequest,
    sourceCommit: requests.sourceCommit,
    sourceUrl: requests.sourceUrl,
  },
  team: { id: teams.id, name: teams.name, slug: teams.slug },
  owner: { id: owner.id, name: owner.name, email: owner.email },
  destroyRequestedBy: { id: requestedBy.id, name: requestedBy.name },
  // The template's title and outputs, not its whole document.
  template: {
    name: templates.name,
    version: templateVersions.version,
    title: sql<string>`${templateVersions.document}->'metadata'->>'title'`,
    outputs: sql<TemplateDocument["spec"]["outputs"]>`coalesce(${templateVersions.document}->'spec'->'outputs', '[]'::jsonb)`,
  },
};

type ResourceJson = {
  id: string;
  address: string;
  type: string;
  providerId: string | null;
  status: (typeof environmentResources.$inferSelect)["status"];
  tags: Record<string, string>;
  hourlyMicros: number;
  region: unknown;
  readyAt: string | null;
  deletedAt: string | null;
};

/**
 * One environment with everything its page shows, in one statement: the row, its request's
 * facts, team, owner, template, and (as JSON) its resources and runs, and its cost figures.
 */
async function loadEnvironment(db: Executor, environmentId: string, now: Date = new Date()) {
  const [found] = await db
    .select({
      ...environmentColumns,
      resources: sql<ResourceJson[]>`(select coalesce(jsonb_agg(jsonb_build_object('id', r.id, 'address', r.address, 'type', r.type,
        'providerId', r.provider_id, 'status', r.status, 'tags', r.tags, 'hourlyMicros', r.hourly_micros, 'region', r.properties->'region',
        'readyAt', r.ready_at, 'deletedAt', r.deleted_at) order by r.created_at), '[]'::jsonb)
        from ${environmentResources} r where r.environment_id = ${environments.id})`,
      runs: runRowsJson(sql`${environments.id}`),
      // By the environment index (filtered), not the open-records index the planner picks for "ended_at is null".
      openHourlyMicros: sql<string>`(select coalesce(sum(${costRecords.hourlyMicros}) filter (where ${costRecords.endedAt} is null), 0) from ${costRecords} where ${costRecords.environmentId} = ${environments.id})`,
      accruedMicros: sql<string>`(select coalesce(sum(${accruedMicrosSql(new Date(0), now)}), 0) from ${costRecords} where ${costRecords.environmentId} = ${environments.id})`,
    })
    .from(environments)
    .innerJoin(requests, eq(requests.id, environments.requestId))
    .innerJoin(teams, eq(teams.id, environments.teamId))
    .innerJoin(owner, eq(owner.id, environments.ownerId))
    .leftJoin(requestedBy, eq(requestedBy.id, environments.destroyRequestedBy))
    .innerJoin(templateVersions, eq(templateVersions.id, environments.templateVersionId))
    .innerJoin(templates, eq(templates.id, templateVersions.templateId))
    .where(eq(environments.id, environmentId))
    .limit(1);
  return found ?? null;
}

/** Names of the sealed outputs (values stay sealed); null when they cannot be opened (NEXTAUTH_SECRET changed). */
function secretNames(environment: Environment): string[] | null {
  if (!environment.secretOutputsCiphertext) return [];
  try {
    return Object.keys(JSON.parse(openSecret(environment.secretOutputsCiphertext, "environment-outputs", environment.id)) as Record<string, string>);
  } catch (error) {
    if (error instanceof SecretBoxError) return null;
    throw error;
  }
}

/** Where an ephemeral environment came from (repository, pull request, last commit), or null. */
export function sourceOf(request: {
  sourceRepository: string | null;
  sourcePullRequest: number | null;
  sourceCommit: string | null;
  sourceUrl: string | null;
}) {
  if (!request.sourceRepository || request.sourcePullRequest === null) return null;
  return { repository: request.sourceRepository, pullRequest: request.sourcePullRequest, commit: request.sourceCommit, url: request.sourceUrl };
}

/** One environment's page for `viewer` as of `now`. */
export async function getEnvironment(db: Database, viewer: Viewer, environmentId: string, now: Date = new Date()) {
  return environmentPageAt(viewer, await loadEnvironmentPage(db, viewer, environmentId, now), now);
}

/**
 * One environment's page as the read cache keeps it: all but what depends on the time of the
 * read (the accrued cost, and whether it has expired for retrying), which `environmentPageAt` adds.
 */
export async function loadEnvironmentPage(db: Database, viewer: Viewer, environmentId: string, now: Date = new Date()) {
  const found = await loadEnvironment(db, environmentId, now);
  if (!found || !canReadEnvironment(viewer, found.environment)) throw notFound("Environment");
  const { environment, request } = found;
  const planned = new Map(request.plannedResources.map((r) => [r.address, r]));
  const runRows = decodeRunRows(found.runs);
  const pendingChange = await editablePendingChange(db, viewer, environment.id);

  const resources = found.resources.map((r) => {
    const plannedResource = planned.get(r.address);
    const region = plannedResource?.region ?? (typeof r.region === "string" ? r.region : null);
    return {
      id: r.id,
      address: r.address,
      title: plannedResource?.title ?? r.address,
      type: r.type,
      size: plannedResource?.size ?? null,
      region,
      providerId: r.providerId,
      status: r.status,
      tags: r.tags,
      hourlyMicros: r.hourlyMicros,
      readyAt: r.readyAt === null ? null : new Date(r.readyAt),
      deletedAt: r.status === "deleted" && r.deletedAt !== null ? new Date(r.deletedAt) : null,
    };
  });

  // Outputs in the template's order; secret ones by name only: their values are revealed on purpose, one at a time.
  const sealed = secretNames(environment);
  const templateOutputs = found.template.outputs;
  const titles = new Map(templateOutputs.map((o) => [o.name, o.title ?? o.name]));
  const known = [...templateOutputs.map((o) => o.name), ...Object.keys(environment.outputs), ...(sealed ?? [])];
  const outputs = [...new Set(known)]
    .map((name) => {
      if (name in environment.outputs)
        return { name, title: titles.get(name) ?? name, sensitive: false as const, value: environment.outputs[name] ?? "" };
      const sensitiveInDocument = templateOutputs.some((o) => o.name === name && o.sensitive);
      if (sealed?.includes(name) || (sealed === null && sensitiveInDocument && environment.secretOutputsCiphertext))
        return { name, title: titles.get(name) ?? name, sensitive: true as const, value: null };
      return null;
    })
    .filter((o) => o !== null);

  const hourlyMicros = Number(found.openHourlyMicros);
  const activeRun = runRows.some((r) => r.status === "queued" || r.status === "running");
  return {
    asOf: now,
    accruedMicros: Number(found.accruedMicros),
    /** What environmentCapabilities needs (whether there are sealed outputs, not the ciphertext). */
    facts: {
      environment: {
        ownerId: environment.ownerId,
        teamId: environment.teamId,
        status: environment.status,
        expiresAt: environment.expiresAt,
        secretOutputsCiphertext: environment.secretOutputsCiphertext === null ? null : "sealed",
      },
      ownerName: found.owner.name,
      lastRun: runRows[0] ?? null,
      activeRun,
    },
    page: {
      environment: {
        id: environment.id,
        name: environment.name,
        status: environment.status,
        tier: environment.tier,
        engine: environment.engine,
        /** The engine as people call it (a name this release does not know: the name). */
        engineTitle: findEngine(environment.engine)?.title ?? environment.engine,
        onFailure: environment.onFailure,
        failureSummary: environment.failureSummary,
        expiresAt: environment.expiresAt,
        createdAt: environment.createdAt,
        readyAt: environment.readyAt,
        destroyedAt: environment.destroyedAt,
        destroyReason: environment.destroyReason,
        destroyRequestedBy: found.destroyRequestedBy?.id ? found.destroyRequestedBy : null,
        version: environment.version,
      },
      request: { id: request.id, label: `REQ-${request.number}`, status: request.status, ttlHours: request.ttlHours, source: sourceOf(request) },
      team: found.team,
      owner: found.owner,
      template: { name: found.template.name, version: found.template.version, title: found.template.title },
      resources,
      outputs,
      /** True when the sealed outputs cannot be opened (NEXTAUTH_SECRET changed since they were sealed). */
      secretsUnreadable: sealed === null,
      runs: runRows,
      /** The viewer's own change waiting for approval, which they may edit ("Edit change"); null otherwise. */
      pendingChange,
      cost: {
        /** What its running resources cost now (0 once destroyed). */
        hourlyMicros,
        monthlyCents: monthlyCents(hourlyMicros),
        /** What the request planned, for comparison. */
        plannedHourlyMicros: request.hourlyMicros,
        plannedMonthlyCents: request.monthlyCents,
      },
    },
  };
}

/** The page at `now`: its accrued cost and what the viewer may do now. */
export function environmentPageAt(viewer: Viewer, loaded: Awaited<ReturnType<typeof loadEnvironmentPage>>, now: Date) {
  const { page, facts } = loaded;
  return {
    ...page,
    cost: { accruedCents: microsToCents(loaded.accruedMicros + accruedSince(page.cost.hourlyMicros, loaded.asOf, now)), ...page.cost },
    capabilities: environmentCapabilities(viewer, facts.environment, { ...facts, now }),
  };
}

// Secrets ------------------------------------------------------------------------------------

/**
 * One secret output's value, for the owner and the team's approvers. Both outcomes are audited:
 * `environment.secret_revealed` (the output's name, never its value) or
 * `environment.secret_reveal_denied` (also for someone outside the team, who is told NOT_FOUND).
 */
export async function revealSecretOutput(db: Database, viewer: Viewer, input: { environmentId: string; name: string }) {
  const found = await loadEnvironment(db, input.environmentId);
  if (!found) throw notFound("Environment");
  const { environment } = found;
  const audit = { subjectType: "environment", subjectId: environment.id, teamId: environment.teamId, correlationId: environment.requestId };
  if (!canRevealSecret(viewer, environment)) {
    const visible = canReadEnvironment(viewer, environment);
    const reason = !visible
      ? "not a member of the team"
      : isReadOnly(viewer)
        ? "auditors never see secret values"
        : "only the owner and the team's approvers may reveal secrets";
    await recordAudit(db, actorOf(viewer), { ...audit, action: "environment.secret_reveal_denied", after: { output: input.name, reason } });
    if (!visible) throw notFound("Environment");
    throw new ServiceError(
      "forbidden",
      isReadOnly(viewer)
        ? "Auditors have read-only access and never see secret values."
        : `Only the owner (${found.owner.name}) and the team's approvers can reveal secret outputs of ${environment.name}; the attempt was recorded.`,
    );
  }
  if (environment.status === "destroyed")
    throw new ServiceError("conflict", `${environment.name} was destroyed: its secret outputs no longer exist.`);
  let secrets: Record<string, string> = {};
  try {
    secrets = environment.secretOutputsCiphertext
      ? (JSON.parse(openSecret(environment.secretOutputsCiphertext, "environment-outputs", environment.id)) as Record<string, string>)
      : {};
  } catch (error) {
    if (error instanceof SecretBoxError)
      throw new ServiceError(
        "conflict",
        `The secret outputs of ${environment.name} cannot be decrypted: NEXTAUTH_SECRET changed since they were stored.`,
      );
    throw error;
  }
  const value = Object.hasOwn(secrets, input.name) ? secrets[input.name] : undefined;
  if (value === undefined) {
    const names = Object.keys(secrets);
    throw new ServiceError(
      "invalid",
      `${environment.name} has no secret output named ${input.name}${names.length ? ` (it has: ${names.join(", ")})` : ""}.`,
      "name",
    );
  }
  await recordAudit(db, actorOf(viewer), { ...audit, action: "environment.secret_revealed", after: { output: input.name } });
  return { name: input.name, value };
}

// Destroy ------------------------------------------------------------------------------------

const isUniqueViolation = (error: unknown) =>
  (error as { code?: string; cause?: { code?: string } }).code === "23505" || (error as { cause?: { code?: string } }).cause?.code === "23505";

/**
 * Destroys an environment for the owner, a team approver or an admin, who typed its name to
 * confirm. One transaction: who asked and why on the environment, the audit event, the destroy
 * run and its job (`queueDestroy`), and the owner's notification when someone else asked.
 * A refusal for lack of rights is audited (`environment.destroy_denied`).
 */
export async function destroyEnvironment(
  db: Database,
  viewer: Viewer,
  input: { environmentId: string; confirmName: string; expectedVersion: number },
) {
  const actor = actorOf(viewer);
  const outcome = await db.transaction(async (tx) => {
    const [environment] = await tx.select().from(environments).where(eq(environments.id, input.environmentId)).for("update").limit(1);
    if (!environment) throw notFound("Environment");
    if (!canReadEnvironment(viewer, environment)) throw notFound("Environment");
    // Both refusals are recorded: an auditor reaches this service (auditedRefusalProcedure) so that its attempt is too.
    if (isReadOnly(viewer)) return { kind: "denied" as const, environment, auditor: true };
    const capacity = operatorCapacity(viewer, environment);
    if (!capacity) return { kind: "denied" as const, environment, auditor: false };
    if (input.confirmName.trim() !== environment.name) {
      throw new ServiceError("invalid", `That is not the environment's name: type ${environment.name} to confirm.`, "confirmName");
    }
    if (!["ready", "failed"].includes(environment.status))
      throw new ServiceError("conflict", `${environment.name} cannot be destroyed: ${statusWords[environment.status]}.`);
    if (environment.version !== input.expectedVersion) {
      throw new ServiceError("conflict", `${environment.name} changed since you opened it (it is now ${environment.status}); reload and try again.`);
    }
    const runId = await queueDestroy(tx, environment.id, `requested by the ${capacity}`, { destroyReason: capacity, actor });
    if (!runId) throw new ServiceError("conflict", `${environment.name} has a run in progress; wait for it to finish, then destroy it.`);
    const resources = await tx
      .select({ n: sql<number>`count(*)::int` })
      .from(environmentResources)
      .where(and(eq(environmentResources.environmentId, environment.id), inArray(environmentResources.status, mayExistResourceStatuses)));
    await recordAudit(tx, actor, {
      action: "environment.destroy_requested",
      subjectType: "environment",
      subjectId: environment.id,
      teamId: environment.teamId,
      correlationId: environment.requestId,
      before: { status: environment.status },
      after: { status: "destroying", reason: capacity, runId, resources: resources[0]?.n ?? 0 },
    });
    await publishEvent(tx, {
      type: "environment.destroy_requested",
      teamId: environment.teamId,
      subject: `environments/${environment.id}`,
      data: {
        environmentId: environment.id,
        requestId: environment.requestId,
        runId,
        name: environment.name,
        reason: capacity,
        requestedBy: viewer.id,
      },
      notify:
        environment.ownerId === viewer.id
          ? null
          : {
              userIds: [environment.ownerId],
              kind: "environment_destroying",
              title: `${environment.name} is being destroyed`,
              body: `${viewer.name} (${capacity === "admin" ? "admin" : "team approver"}) asked to destroy it.`,
              link: `/environments/${environment.id}`,
              requestId: environment.requestId,
            },
    });
    return { kind: "queued" as const, runId, environmentId: environment.id, status: "destroying" as const };
  });
  if (outcome.kind === "denied") {
    const { environment } = outcome;
    await recordAudit(db, actor, {
      action: "environment.destroy_denied",
      subjectType: "environment",
      subjectId: environment.id,
      teamId: environment.teamId,
      correlationId: environment.requestId,
      after: { reason: outcome.auditor ? "auditors have read-only access" : "only the owner, the team's approvers or an admin may destroy it" },
    });
    if (outcome.auditor) throw new ServiceError("forbidden", "Auditors have read-only access: destroying changes data; the attempt was recorded.");
    const [ownerRow] = await db.select({ name: users.name }).from(users).where(eq(users.id, environment.ownerId));
    throw new ServiceError(
      "forbidden",
      `Only the owner (${ownerRow?.name ?? "unknown"}), the team's approvers or an admin can destroy ${environment.name}; the attempt was recorded.`,
    );
  }
  return { runId: outcome.runId, environmentId: outcome.environmentId, status: outcome.status };
}

// Retry --------------------------------------------------------------------------------------

/**
 * Retries a failed apply: a new apply run for the same environment and plan, the environment
 * and its request back to provisioning, and the run's job, in one transaction. The runner adopts
 * what already exists (found by idempotency key), so nothing is created twice. Two clicks make
 * one run: the row lock serialises them and the second finds the environment provisioning.
 */
export async function retryEnvironment(db: Database, viewer: Viewer, input: { environmentId: string }, now: Date = new Date()) {
  try {
    return await db.transaction(async (tx) => {
      const [environment] = await tx.select().from(environments).where(eq(environments.id, input.environmentId)).for("update").limit(1);
      if (!environment) throw notFound("Environment");
      if (!canReadEnvironment(viewer, environment)) throw notFound("Environment");
      if (isReadOnly(viewer)) throw new ServiceError("forbidden", "Auditors have read-only access: retrying changes data.");
      if (!canRetry(viewer, environment)) {
        const [ownerRow] = await tx.select({ name: users.name }).from(users).where(eq(users.id, environment.ownerId));
        throw new ServiceError(
          "forbidden",
          `Only the owner (${ownerRow?.name ?? "unknown"}), the team's approvers or an admin can retry ${environment.name}.`,
        );
      }
      if (environment.status !== "failed")
        throw new ServiceError(
          "conflict",
          `${environment.name} cannot be retried: ${statusWords[environment.status]}${environment.status === "provisioning" ? " (perhaps by a retry just now)" : ""}.`,
        );
      const [last] = await tx.select().from(runs).where(eq(runs.environmentId, environment.id)).orderBy(desc(runs.queuedAt)).limit(1);
      if (!last || last.kind !== "apply")
        throw new ServiceError(
          "conflict",
          `The last run of ${environment.name} was a ${last?.kind ?? "missing"} run: destroy it again instead of retrying.`,
        );
      if (environment.expiresAt <= now)
        throw new ServiceError(
          "conflict",
          `${environment.name} expired on ${environment.expiresAt.toISOString()}: request a new environment instead.`,
        );
      const [request] = await tx.select().from(requests).where(eq(requests.id, environment.requestId)).for("update").limit(1);
      if (!request || request.status !== "failed")
        throw new ServiceError("conflict", `The request of ${environment.name} is ${request?.status ?? "missing"}, not failed.`);
      // A failed request frees its name: another request may have taken it since.
      const [clash] = await tx
        .select({ number: requests.number })
        .from(requests)
        .where(
          and(
            eq(requests.teamId, request.teamId),
            eq(requests.environmentName, request.environmentName),
            eq(requests.kind, "create"),
            inArray(requests.status, ["pending_approval", "approved", "queued", "provisioning", "ready"]),
          ),
        )
        .limit(1);
      if (clash)
        throw new ServiceError(
          "conflict",
          `The name ${environment.name} was taken by REQ-${clash.number} since this failed: destroy this one and use that, or request again under another name.`,
        );

      assertTransition("environment", environment.status, "provisioning");
      assertTransition("request", request.status, "provisioning");
      // The run and its job, through the run store (null: another run of it is active).
      const run = await createRun(tx, { environmentId: environment.id, kind: "apply" });
      if (!run) throw new ServiceError("conflict", "A run of this environment was started meanwhile; reload to follow it.");
      await tx
        .update(environments)
        .set({ status: "provisioning", failureSummary: null, version: environment.version + 1, updatedAt: now })
        .where(eq(environments.id, environment.id));
      await tx
        .update(requests)
        .set({ status: "provisioning", version: request.version + 1, updatedAt: now })
        .where(eq(requests.id, request.id));
      await tx.insert(runEvents).values({
        runId: run.id,
        level: "info",
        message: `Retry of the failed apply requested by ${viewer.name}: resources that already exist are adopted, not created again`,
      });
      await recordAudit(tx, actorOf(viewer), {
        action: "environment.retry_requested",
        subjectType: "environment",
        subjectId: environment.id,
        teamId: environment.teamId,
        correlationId: environment.requestId,
        before: { status: "failed", runId: last.id, error: last.error },
        after: { status: "provisioning", runId: run.id },
      });
      return { runId: run.id, environmentId: environment.id, status: "provisioning" as const };
    });
  } catch (error) {
    // The one-active-run index is the last guard against a second run.
    if (isUniqueViolation(error)) throw new ServiceError("conflict", "A run of this environment was started meanwhile; reload to follow it.");
    throw error;
  }
}
