/**
 * One request's page: the request row (already loaded and access-checked by the procedure)
 * and, in ONE statement, everything hanging off it: team, requester, template, approvals,
 * comments, timeline, its environment with resources and runs, and for an extension the
 * environment it extends. The lists come back as JSON arrays (timestamps as ISO text, turned
 * back into dates here), so the page costs two round trips whatever it holds.
 */
import { eq, sql } from "drizzle-orm";
import { alias } from "drizzle-orm/pg-core";
import type { Database } from "~/db/client";
import { requests, teams, templates, templateVersions, users, type Approval, type Request } from "~/db/schema";
import type { EnvironmentStatus } from "~/db/vocabulary";
import { engineCapabilities } from "~/server/engines/registry";
import { approvalState, type PolicyDecision } from "~/server/policy";
import { capabilities, requestLabel, toRecord } from "./requests";
import { decodeRunRows, runRowsJson, type RunRowJson } from "./run-rows-json";
import type { Viewer } from "./users";
import { readableRequest } from "~/server/access/subjects";
import { notFound } from "~/server/core/errors";

type Iso = string;
type ApprovalJson = Omit<Approval, "createdAt" | "supersededAt"> & {
  createdAt: Iso;
  supersededAt: Iso | null;
  approverName: string;
  approverEmail: string;
};
type CommentJson = { id: string; body: string; createdAt: Iso; authorName: string; authorId: string };
type TimelineJson = { id: number; at: Iso; actor: string; action: string; before: unknown; after: unknown };
type ResourceJson = { address: string; type: string; providerId: string | null; status: string };
type EnvironmentJson = {
  id: string;
  status: EnvironmentStatus;
  failureSummary: string | null;
  outputs: Record<string, string>;
  hasSecretOutputs: boolean;
  expiresAt: Iso;
  readyAt: Iso | null;
  resources: ResourceJson[];
  runs: RunRowJson[];
};
type ExtendedJson = { id: string; name: string; status: EnvironmentStatus; expiresAt: Iso };

const date = (iso: Iso) => new Date(iso);
const maybeDate = (iso: Iso | null) => (iso === null ? null : new Date(iso));

const requester = alias(users, "requester");

/** The page of a request the viewer may read; NOT_FOUND otherwise (other teams' requests, unknown ids). */
export async function getRequestPage(db: Database, viewer: Viewer, requestId: string) {
  const row = await readableRequest(db, viewer, requestId);
  if (!row) throw notFound("Request");
  return getRequest(db, viewer, row);
}

export async function getRequest(db: Database, viewer: Viewer, row: Request) {
  const [found] = await db
    .select({
      team: { id: teams.id, name: teams.name, slug: teams.slug },
      requester: { id: requester.id, name: requester.name, email: requester.email },
      version: templateVersions.version,
      templateName: templates.name,
      // What the page shows of the template, not its whole document.
      templateTitle: sql<string>`${templateVersions.document}->'metadata'->>'title'`,
      templateParameters: sql<unknown[]>`${templateVersions.document}->'spec'->'parameters'`,
      templateEngine: sql<string>`${templateVersions.document}->'spec'->>'engine'`,
      approvals: sql<ApprovalJson[]>`(
        select coalesce(jsonb_agg(jsonb_build_object(
          'id', a.id, 'requestId', a.request_id, 'approverId', a.approver_id, 'decision', a.decision, 'capacity', a.capacity,
          'stageIndex', a.stage_index, 'comment', a.comment, 'requestVersion', a.request_version, 'supersededAt', a.superseded_at,
          'createdAt', a.created_at, 'approverName', u.name, 'approverEmail', u.email) order by a.created_at), '[]'::jsonb)
        from approvals a join users u on u.id = a.approver_id where a.request_id = ${requests.id})`,
      comments: sql<CommentJson[]>`(
        select coalesce(jsonb_agg(jsonb_build_object('id', c.id, 'body', c.body, 'createdAt', c.created_at, 'authorName', u.name, 'authorId', u.id)
          order by c.created_at), '[]'::jsonb)
        from request_comments c join users u on u.id = c.author_id where c.request_id = ${requests.id})`,
      timeline: sql<TimelineJson[]>`(
        select coalesce(jsonb_agg(jsonb_build_object('id', e.id, 'at', e.at, 'actor', e.actor_label, 'action', e.action, 'before', e.before, 'after', e.after)
          order by e.id), '[]'::jsonb)
        from audit_events e where e.correlation_id = ${requests.id}::text)`,
      environment: sql<EnvironmentJson | null>`(
        select jsonb_build_object('id', env.id, 'status', env.status, 'failureSummary', env.failure_summary, 'outputs', env.outputs,
          'hasSecretOutputs', env.secret_outputs_ciphertext is not null, 'expiresAt', env.expires_at, 'readyAt', env.ready_at,
          'resources', (select coalesce(jsonb_agg(jsonb_build_object('address', r.address, 'type', r.type, 'providerId', r.provider_id, 'status', r.status)
            order by r.created_at), '[]'::jsonb) from environment_resources r where r.environment_id = env.id),
          'runs', ${runRowsJson(sql`env.id`)})
        from environments env where env.request_id = ${requests.id} limit 1)`,
      extended: sql<ExtendedJson | null>`(
        select jsonb_build_object('id', x.id, 'name', x.name, 'status', x.status, 'expiresAt', x.expires_at)
        from environments x where x.id = ${requests.environmentId})`,
    })
    .from(requests)
    .innerJoin(teams, eq(teams.id, requests.teamId))
    .innerJoin(requester, eq(requester.id, requests.requesterId))
    .innerJoin(templateVersions, eq(templateVersions.id, requests.templateVersionId))
    .innerJoin(templates, eq(templates.id, templateVersions.templateId))
    .where(eq(requests.id, row.id))
    .limit(1);
  if (!found) throw new Error(`request ${row.id} vanished while its page loaded`);
  const decisions = found.approvals.map(({ approverName, approverEmail, ...a }) => ({
    approval: { ...a, createdAt: date(a.createdAt), supersededAt: maybeDate(a.supersededAt) } satisfies Approval,
    approverName,
    approverEmail,
  }));
  const live = decisions.filter((d) => d.approval.supersededAt === null).map((d) => toRecord(d.approval));
  const decision = row.decision as PolicyDecision;
  const environment = found.environment;
  const extended = found.extended;
  return {
    // Secret outputs are never sent here: only whether there are any, to be revealed on purpose.
    environment: environment
      ? {
          id: environment.id,
          status: environment.status,
          failureSummary: environment.failureSummary,
          outputs: environment.outputs,
          hasSecretOutputs: environment.hasSecretOutputs,
          expiresAt: date(environment.expiresAt),
          readyAt: maybeDate(environment.readyAt),
          resources: environment.resources,
        }
      : null,
    runs: decodeRunRows(environment?.runs ?? []),
    /** For an extension: the environment it extends, and its expiry now. */
    extension: extended
      ? { environmentId: extended.id, name: extended.name, status: extended.status, expiresAt: date(extended.expiresAt), hours: row.ttlHours }
      : null,
    request: { ...row, label: requestLabel(row) },
    team: found.team,
    requester: found.requester,
    template: {
      name: found.templateName,
      version: found.version,
      title: found.templateTitle,
      parameters: found.templateParameters,
      engineCapabilities: engineCapabilities(found.templateEngine),
    },
    decision,
    approvals: decisions.map((d) => ({ ...d.approval, approverName: d.approverName, approverEmail: d.approverEmail })),
    progress: approvalState(decision.stages, live, row.requesterId),
    comments: found.comments.map((c) => ({ ...c, createdAt: date(c.createdAt) })),
    timeline: found.timeline.map((e) => ({ ...e, at: date(e.at) })),
    capabilities: capabilities(viewer, row, live),
  };
}
