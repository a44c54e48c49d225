/**
 * From a queued request to an environment and its apply run, idempotently: a retried job finds
 * them instead of making a second. The environment's lifetime starts here (the rule:
 * server/core/lifetime.ts): its expiry is stored now, before any resource is tagged with it.
 */
import { randomUUID } from "node:crypto";
import { and, eq, inArray, sql } from "drizzle-orm";
import type { Database } from "~/db/client";
import { auditEvents, environments, requests, runs, templateVersions, type Run } from "~/db/schema";
import { recordAudit, systemActor } from "~/server/core/audit";
import { assertTransition } from "~/server/core/lifecycle";
import { expiresAtFrom } from "~/server/core/lifetime";
import { createRun, insertClaimedRunSql, runFromRow } from "~/server/runs/store";
import type { TemplateDocument } from "~/server/templates/format";
import { executeClaimedRun, executeRun } from "./execute";
import type { RunnerOptions, RunOutcome } from "./types";

type Opened = { runId: string; claimed: Run | null };

/**
 * Opens the apply of a queued request: the environment, its apply run (queued with its job, or
 * already claimed by `claimFor`), the request moved to provisioning, and the audit event. Two
 * round trips: a read, then one statement that does all of it only if the request is still
 * queued and has no environment (each part conditional on the previous, so it is all or nothing).
 */
async function openApply(db: Database, requestId: string, claimFor?: string): Promise<Opened | null> {
  const [row] = await db
    .select({ request: requests, document: templateVersions.document, environmentId: environments.id, activeRunId: runs.id })
    .from(requests)
    .innerJoin(templateVersions, eq(templateVersions.id, requests.templateVersionId))
    .leftJoin(environments, eq(environments.requestId, requests.id))
    .leftJoin(runs, and(eq(runs.environmentId, environments.id), inArray(runs.status, ["queued", "running"])))
    .where(eq(requests.id, requestId))
    .limit(1);
  if (!row) return null;
  const { request } = row;
  // Already opened (a retried job): its active run, if it still has one.
  if (row.environmentId) return row.activeRunId ? { runId: row.activeRunId, claimed: null } : null;
  if (request.status !== "queued") return null;
  assertTransition("request", request.status, "provisioning");
  const document = row.document as TemplateDocument;
  const environmentId = randomUUID();
  const startedAt = new Date();
  const opened = sql`with opened as (
      update ${requests} set status = 'provisioning', version = version + 1, updated_at = ${startedAt}
      where id = ${request.id} and status = 'queued' and not exists (select 1 from ${environments} where request_id = ${request.id})
      returning id
    ), environment as (
      insert into ${environments} (id, request_id, team_id, owner_id, template_version_id, name, tier, engine, status, on_failure, expires_at, created_at, updated_at)
      select ${environmentId}::uuid, opened.id, ${request.teamId}::uuid, ${request.requesterId}::uuid, ${request.templateVersionId}::uuid, ${request.environmentName}::text,
        ${request.tier}::text, ${document.spec.engine}::text, 'provisioning'::environment_status, ${document.spec.policy.onFailure}::text,
        ${expiresAtFrom(startedAt, request.ttlHours)}::timestamptz, ${startedAt}::timestamptz, ${startedAt}::timestamptz
      from opened returning id`;
  if (claimFor) {
    // recordAudit's row, written in the same statement.
    const result = await db.execute(sql`${opened}
      ), run as (${insertClaimedRunSql(sql`select id from environment`, "apply", claimFor)}
      ), audit as (
        insert into ${auditEvents} (actor_id, actor_label, action, subject_type, subject_id, team_id, after, correlation_id)
        select null, ${systemActor.label}, 'environment.provisioning', 'environment', ${environmentId}, ${request.teamId}::uuid, jsonb_build_object('runId', run.id), ${request.id} from run
      ) select * from run`);
    const created = result.rows[0] as Record<string, unknown> | undefined;
    return created ? { runId: created.id as string, claimed: runFromRow(created) } : null;
  }
  // Queued, with its job: through the run store, in a transaction with the rest.
  return db.transaction(async (tx) => {
    const made = await tx.execute(sql`${opened}) select id from environment`);
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
  return (await openApply(db, requestId))?.runId ?? null;
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
  const opened = await openApply(db, requestId, options.workerId);
  if (!opened) return null;
  const outcome = opened.claimed ? await executeClaimedRun(db, opened.claimed, options) : await executeRun(db, opened.runId, options);
  return { runId: opened.runId, outcome };
}
