import { and, desc, eq, gte, inArray, isNull, like, lt, sql, type SQL } from "drizzle-orm";
import type { z } from "zod";
import type { Database } from "~/db/client";
import { auditEvents, environments, requests, teams, templates, users } from "~/db/schema";
import { actionMatch, auditTimeWindow, type auditListInput, type AuditFilter } from "~/server/schemas/audit";

export { auditListInput } from "~/server/schemas/audit";

/** LIKE treats '%', '_' and '\' specially; actions contain '_' (draft_created), so escape them. */
const escapeLike = (text: string) => text.replace(/[\\%_]/g, (c) => `\\${c}`);

/** The WHERE conditions of a filter; shared by the list and the CSV export. */
export function auditConditions(filter: AuditFilter): SQL[] {
  const conditions: SQL[] = [];
  if (filter.actorId === "system") conditions.push(isNull(auditEvents.actorId));
  else if (filter.actorId) conditions.push(eq(auditEvents.actorId, filter.actorId));
  if (filter.action) {
    const match = actionMatch(filter.action);
    conditions.push(match.kind === "exact" ? eq(auditEvents.action, match.value) : like(auditEvents.action, `${escapeLike(match.value)}%`));
  }
  if (filter.subjectType) conditions.push(eq(auditEvents.subjectType, filter.subjectType));
  if (filter.teamId) conditions.push(eq(auditEvents.teamId, filter.teamId));
  if (filter.correlationId) conditions.push(eq(auditEvents.correlationId, filter.correlationId));
  const window = auditTimeWindow(filter);
  if (window.from) conditions.push(gte(auditEvents.at, window.from));
  if (window.until) conditions.push(lt(auditEvents.at, window.until));
  return conditions;
}

export type AuditEventRow = {
  id: number;
  at: Date;
  actorId: string | null;
  actorLabel: string;
  /** The actor's current display name (null for the system, or a user since removed). */
  actorName: string | null;
  action: string;
  subjectType: string;
  subjectId: string;
  /** A readable name for the subject when it can be resolved: REQ-42, a template or team name, a person. */
  subjectName: string | null;
  teamId: string | null;
  teamName: string | null;
  before: unknown;
  after: unknown;
  correlationId: string | null;
};

const uuidShape = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** One page (newest first, older than `before`) with actor, team and subject names resolved. */
export async function queryAuditPage(db: Database, filter: AuditFilter, page: { before?: number; limit: number }): Promise<AuditEventRow[]> {
  const conditions = auditConditions(filter);
  if (page.before) conditions.push(lt(auditEvents.id, page.before));
  const rows = await db
    .select({ event: auditEvents, actorName: users.name, teamName: teams.name })
    .from(auditEvents)
    .leftJoin(users, eq(users.id, auditEvents.actorId))
    .leftJoin(teams, eq(teams.id, auditEvents.teamId))
    .where(conditions.length ? and(...conditions) : undefined)
    .orderBy(desc(auditEvents.id))
    .limit(page.limit);
  const names = await subjectNames(
    db,
    rows.map((r) => r.event),
  );
  return rows.map(({ event, actorName, teamName }) => ({
    id: event.id,
    at: event.at,
    actorId: event.actorId,
    actorLabel: event.actorLabel,
    actorName,
    action: event.action,
    subjectType: event.subjectType,
    subjectId: event.subjectId,
    subjectName: names.get(`${event.subjectType}:${event.subjectId}`) ?? null,
    teamId: event.teamId,
    teamName,
    before: event.before,
    after: event.after,
    correlationId: event.correlationId,
  }));
}

/**
 * Names for the subjects of a page, a few small lookups by primary key rather than joins on
 * text ids (subject ids are free text: a membership is `team:user`).
 */
async function subjectNames(db: Database, events: { subjectType: string; subjectId: string }[]): Promise<Map<string, string>> {
  const idsOf = (type: string) => [...new Set(events.filter((e) => e.subjectType === type && uuidShape.test(e.subjectId)).map((e) => e.subjectId))];
  const [requestIds, templateIds, teamIds, userIds, environmentIds] = [
    idsOf("request"),
    idsOf("template"),
    idsOf("team"),
    idsOf("user"),
    idsOf("environment"),
  ];
  const names = new Map<string, string>();
  const [requestRows, templateRows, teamRows, userRows, environmentRows] = await Promise.all([
    requestIds.length ? db.select({ id: requests.id, number: requests.number }).from(requests).where(inArray(requests.id, requestIds)) : [],
    templateIds.length ? db.select({ id: templates.id, name: templates.name }).from(templates).where(inArray(templates.id, templateIds)) : [],
    teamIds.length ? db.select({ id: teams.id, name: teams.name }).from(teams).where(inArray(teams.id, teamIds)) : [],
    userIds.length ? db.select({ id: users.id, name: users.name }).from(users).where(inArray(users.id, userIds)) : [],
    environmentIds.length
      ? db.select({ id: environments.id, name: environments.name }).from(environments).where(inArray(environments.id, environmentIds))
      : [],
  ]);
  for (const r of requestRows) names.set(`request:${r.id}`, `REQ-${r.number}`);
  for (const t of templateRows) names.set(`template:${t.id}`, t.name);
  for (const t of teamRows) names.set(`team:${t.id}`, t.name);
  for (const u of userRows) names.set(`user:${u.id}`, u.name);
  for (const e of environmentRows) names.set(`environment:${e.id}`, e.name);
  return names;
}

export async function listAuditEvents(db: Database, input: z.output<typeof auditListInput>) {
  const { before, limit, ...filter } = input;
  const rows = await queryAuditPage(db, filter, { before, limit: limit + 1 });
  const page = rows.slice(0, limit);
  return { events: page, nextBefore: rows.length > limit ? (page.at(-1)?.id ?? null) : null };
}

/**
 * What the filter bar offers: the actions and subject types that occur in the log, the people
 * who acted, and the teams. Distinct values come from the log itself, so new kinds of events
 * appear without a code change.
 */
export async function auditFacets(db: Database) {
  const [actionRows, subjectRows, actorRows, teamRows] = await Promise.all([
    db.selectDistinct({ action: auditEvents.action }).from(auditEvents).orderBy(auditEvents.action),
    db.selectDistinct({ subjectType: auditEvents.subjectType }).from(auditEvents).orderBy(auditEvents.subjectType),
    db
      .select({ id: users.id, name: users.name, email: users.email })
      .from(users)
      .where(sql`exists (select 1 from ${auditEvents} a where a.actor_id = ${users.id})`)
      .orderBy(users.name),
    db.select({ id: teams.id, name: teams.name, slug: teams.slug }).from(teams).orderBy(teams.name),
  ]);
  const actions = actionRows.map((r) => r.action);
  const prefixes = [...new Set(actions.filter((a) => a.includes(".")).map((a) => `${a.slice(0, a.indexOf("."))}.`))];
  return {
    actions,
    actionPrefixes: prefixes,
    subjectTypes: subjectRows.map((r) => r.subjectType),
    actors: actorRows,
    teams: teamRows,
  };
}
