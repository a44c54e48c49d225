/**
 * From a queued request to an environment and its apply run, idempotently: a retried job finds
 * them instead of making a second. The environment's lifetime starts here (the rule:
 * server/core/lifetime.ts): its expiry is stored now, before any resource is tagged with it.
 */
import { randomUUID } from "node:crypto";
import { and, eq, inArray, sql, type SQL } from "drizzle-orm";
import { executePrepared, type Database } from "~/db/client";
import { auditEvents, environments, requests, runs, teams, templateVersions, type Run } from "~/db/schema";
import { recordAudit, systemActor } from "~/server/core/audit";
import { assertTransition } from "~/server/core/lifecycle";
import { expiresAtFromSql } from "~/server/core/lifetime";
import { createRun, insertClaimedRunSql, runFromRow } from "~/server/runs/store";
import type { TemplateDocument } from "~/server/templates/format";
import { executeClaimedRun, executeRun } from "./execute";
import { rowFromJson } from "./json-row";
import type { ApplyLoad } from "./kinds/apply";
import type { RunnerOptions, RunOutcome } from "./types";

type Opened = { runId: string; claimed: Run | null; load?: ApplyLoad };

/** The request's row as it stands, its template and whether it was opened already (a retried job). */
async function readRequest(db: Database, requestId: string) {
  const [row] = await db
    .select({ request: requests, document: templateVersions.document, environmentId: environments.id, activeRunId: runs.id })
    .from(requests)
    .innerJoin(templateVersions, eq(templateVersions.id, requests.templateVersionId))
    .leftJoin(environments, eq(environments.requestId, requests.id))
    .leftJoin(runs, and(eq(runs.environmentId, environments.id), inArray(runs.status, ["queued", "running"])))
    .where(eq(requests.id, requestId))
    .limit(1);
  return row ?? null;
}

/** A retried job finds the apply it opened before: its active run, if it still has one. */
async function openedBefore(db: Database, requestId: string): Promise<Opened | null> {
  const row = await readRequest(db, requestId);
  return row?.environmentId && row.activeRunId ? { runId: row.activeRunId, claimed: null } : null;
}

/**
 * The request moved to provisioning and its environment created, in SQL, from `source` (a CTE
 * yielding the queued request's row and its template document): each part conditional on the
 * previous, so it is all or nothing, and nothing when the request is no longer queued or already
 * has an environment.
 */
function openSql(source: SQL, requestId: string, environmentId: string, startedAt: Date): SQL {
  assertTransition("request", "queued", "provisioning");
  return sql`with source as (${source}), opened as (
      update ${requests} set status = 'provisioning', version = version + 1, updated_at = ${startedAt}
      where id = ${requestId} and status = 'queued' and not exists (select 1 from ${environments} where request_id = ${requestId})
        and exists (select 1 from source)
      returning *
    ), environment as (
      insert into ${environments} (id, request_id, team_id, owner_id, template_version_id, name, tier, engine, status, on_failure, expires_at, created_at, updated_at)
      select ${environmentId}::uuid, o.id, o.team_id, o.requester_id, o.template_version_id, o.environment_name, o.tier,
        s.document->'spec'->>'engine', 'provisioning'::environment_status, s.document->'spec'->'policy'->>'onFailure',
        ${expiresAtFromSql(startedAt, sql`o.ttl_hours`)}, ${startedAt}::timestamptz, ${startedAt}::timestamptz
      from opened o cross join source s returning *`;
}

/**
 * Opens the apply of a queued request, claimed by `workerId`, in ONE statement: the request moved
 * to provisioning, its environment, the apply run already running for this worker, the audit
 * event, and everything the apply loads (the environment, request, template and team), so the
 * run starts without another round trip. Its commit does not wait for the disk (~2-3 ms of
 * approval → apply start): the run's next commit does, before any engine call (the first
 * resource's record, or the flush in kinds/apply.ts), and flushes this one with it (the WAL is
 * written in order). A database crash before then loses the open alone, and the job's retry opens
 * it again. The setting is the statement's own (set_config local: reset at its commit). Null
 * when nothing was opened (not queued, or opened by an earlier attempt of the job: see openedBefore).
 */
async function openClaimed(db: Database, requestId: string, workerId: string): Promise<Opened | null> {
  const environmentId = randomUUID();
  const source = sql`select r.id, tv.document, t.slug as team_slug from ${requests} r
    join ${templateVersions} tv on tv.id = r.template_version_id join ${teams} t on t.id = r.team_id
    where r.id = ${requestId} and r.status = 'queued'`;
  const result = await executePrepared(
    db,
    "open_claimed_apply",
    sql`${openSql(source, requestId, environmentId, new Date())}
    ), run as (${insertClaimedRunSql(sql`select id from environment`, "apply", workerId)}
    ), audit as (
      insert into ${auditEvents} (actor_id, actor_label, action, subject_type, subject_id, team_id, after, correlation_id)
      select null, ${systemActor.label}, 'environment.provisioning', 'environment', environment.id::text, environment.team_id, jsonb_build_object('runId', run.id), ${requestId}
      from run cross join environment
    ) select to_jsonb(run) as run, to_jsonb(environment) as environment, to_jsonb(opened) as request, source.document, source.team_slug,
        set_config('synchronous_commit', 'off', true) as async_commit
      from run cross join environment cross join opened cross join source`,
  );
  const row = result.rows[0] as
    | { run: Record<string, unknown>; environment: Record<string, unknown>; request: Record<string, unknown>; document: unknown; team_slug: string }
    | undefined;
  if (!row) return null;
  const run = runFromRow(row.run);
  const load: ApplyLoad = {
    environment: rowFromJson(environments, row.environment),
    request: rowFromJson(requests, row.request),
    document: row.document as TemplateDocument,
    teamSlug: row.team_slug,
    ready: [],
  };
  return { runId: run.id, claimed: run, load };
}

/**
 * Opens the apply of a queued request with its run queued (and its job): the environment, the
 * run, the request moved to provisioning, and the audit event, in one transaction.
 */
async function openQueued(db: Database, requestId: string): Promise<Opened | null> {
  const row = await readRequest(db, requestId);
  if (!row) return null;
  if (row.environmentId) return row.activeRunId ? { runId: row.activeRunId, claimed: null } : null;
  if (row.request.status !== "queued") return null;
  const { request } = row;
  const environmentId = randomUUID();
  const source = sql`select ${request.id}::uuid as id, tv.document from ${templateVersions} tv where tv.id = ${request.templateVersionId}`;
  return db.transaction(async (tx) => {
    const made = await tx.execute(sql`${openSql(source, request.id, environmentId, new Date())}) select id from environment`);
    if (!made.rows.length) return null;
    const run = await createRun(tx, { environmentId, kind: "apply" });
    if (!run) throw new Error("a new environment already has an active run");
    await recordAudit(tx, systemActor, {
      action: "environment.provisioning",
      subjectType: "environment",
      subjectId: environmentId,
      teamId: request.teamId,
      correlationId: request.id,
      after: { runId: run.id },
    });
    return { runId: run.id, claimed: null };
  });
}

/** Creates the environment and its queued apply run for a queued request; returns the run to execute, or null when there is nothing to do. */
export async function startApply(db: Database, requestId: string): Promise<string | null> {
  return (await openQueued(db, requestId))?.runId ?? null;
}

/**
 * The provision_request job: opens the apply already claimed by this worker (no second trip
 * through the queue, no separate claim) and executes it. A retried job resumes the run it finds.
 */
export async function provisionRequest(
  db: Database,
  requestId: string,
  options: RunnerOptions,
): Promise<{ runId: string; outcome: RunOutcome } | null> {
  const opened = (await openClaimed(db, requestId, options.workerId)) ?? (await openedBefore(db, requestId));
  if (!opened) return null;
  const outcome = opened.claimed ? await executeClaimedRun(db, opened.claimed, options, opened.load) : await executeRun(db, opened.runId, options);
  return { runId: opened.runId, outcome };
}
