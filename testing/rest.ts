/**
 * The REST API under test: a handler on a throwaway database, personas with tokens of chosen
 * scopes, and the same subjects as the tRPC access matrix (a pending request, a ready
 * environment with a run) in an own and an other team.
 */
import { randomUUID } from "node:crypto";
import { eq } from "drizzle-orm";
import { Writable } from "node:stream";
import type { Database } from "~/db/client";
import { environments, requests, runEvents, runs } from "~/db/schema";
import { restHandler } from "~/server/api/rest/router";
import { createLogger } from "~/server/logger";
import type { TokenScope } from "~/server/schemas/api-tokens";
import { createPersonalToken, createServiceToken } from "~/server/services/api-tokens";
import { loadViewer } from "~/server/services/users";
import { callerFor, makeTeam, makeUser } from "./fixtures";
import { templateYaml, uniqueTemplateName } from "./templates";

export type RestPersona = "member" | "approver" | "admin" | "auditor";
export type RestSubjects = { teamId: string; requestId: string; environmentId: string; environmentName: string; runId: string };

/** Every log line the handler writes, to check that no token ever appears. */
export const logLines: string[] = [];
const sink = new Writable({
  write(chunk, _enc, done) {
    logLines.push(String(chunk));
    done();
  },
});

export function restClient(db: Database, limits = { perMinute: 60_000, burst: 10_000 }) {
  const handle = restHandler({ db: () => db, log: createLogger(sink, "info"), limits: () => limits });
  return (method: string, path: string, options: { token?: string; body?: unknown; headers?: Record<string, string> } = {}) =>
    handle(
      new Request(`http://localhost/api/v1${path}`, {
        method,
        headers: {
          ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
          ...(options.body !== undefined ? { "content-type": "application/json" } : {}),
          ...options.headers,
        },
        body: options.body !== undefined ? JSON.stringify(options.body) : undefined,
      }),
    );
}

export async function restFixtures(db: Database) {
  const ids = {
    member: (await makeUser(db, { name: "Rest member" })).id,
    approver: (await makeUser(db, { name: "Rest approver" })).id,
    admin: (await makeUser(db, { globalRole: "admin", name: "Rest admin" })).id,
    auditor: (await makeUser(db, { globalRole: "auditor", name: "Rest auditor" })).id,
    stranger: (await makeUser(db, { name: "Rest stranger" })).id,
  };
  const own = await makeTeam(db, [
    { userId: ids.member, role: "member" },
    { userId: ids.approver, role: "approver" },
    { userId: ids.admin, role: "member" },
  ]);
  const other = await makeTeam(db, [{ userId: ids.stranger, role: "approver" }]);
  const admin = await callerFor(db, ids.admin);
  const template = uniqueTemplateName("rest");
  const created = await admin.templateAdmin.createDraft({ yaml: templateYaml(template) });
  await admin.templateAdmin.publish({ versionId: created.versionId, expectedLockVersion: created.lockVersion });

  async function subjectsOf(userId: string, teamId: string): Promise<RestSubjects> {
    const caller = await callerFor(db, userId);
    const submit = (tier: "dev" | "prod", environmentName: string) =>
      caller.requests.submit({
        teamId,
        templateName: template,
        tier,
        environmentName,
        ttlHours: 24,
        parameters: {},
        justification: "REST fixture",
        clientRequestId: randomUUID(),
      });
    const pending = await submit("prod", "rest-pending");
    const live = await submit("dev", "rest-live");
    const [request] = await db.select().from(requests).where(eq(requests.id, live.id));
    const [environment] = await db
      .insert(environments)
      .values({
        requestId: live.id,
        teamId,
        ownerId: userId,
        templateVersionId: request!.templateVersionId,
        name: "rest-live",
        tier: "dev",
        engine: "sim",
        status: "ready",
        onFailure: "cleanup",
        expiresAt: new Date(Date.now() + 24 * 3_600_000),
        readyAt: new Date(),
      })
      .returning();
    const [run] = await db
      .insert(runs)
      .values({ environmentId: environment!.id, kind: "apply", status: "succeeded", finishedAt: new Date() })
      .returning();
    await db
      .insert(runEvents)
      .values(["plan: 3 to create", "apply complete"].map((message) => ({ runId: run!.id, level: "info" as const, message })));
    return { teamId, requestId: pending.id, environmentId: environment!.id, environmentName: "rest-live", runId: run!.id };
  }

  const tokens = new Map<string, string>();
  /** A personal token of the persona with these scopes (made once per combination). */
  async function tokenFor(persona: RestPersona, scopes: TokenScope[]) {
    const key = `${persona}:${scopes.join(",")}`;
    if (!tokens.has(key)) {
      const viewer = (await loadViewer(db, ids[persona]))!;
      tokens.set(key, (await createPersonalToken(db, viewer, { name: key, scopes, expiresInDays: 30 })).token);
    }
    return tokens.get(key)!;
  }
  async function serviceToken(teamId: string, scopes: TokenScope[]) {
    const approver = (await loadViewer(db, ids.approver))!;
    return (await createServiceToken(db, approver, { teamId, name: `svc ${randomUUID().slice(0, 6)}`, role: "member", scopes, expiresInDays: 30 }))
      .token;
  }
  return { ids, template, own: await subjectsOf(ids.member, own.id), other: await subjectsOf(ids.stranger, other.id), tokenFor, serviceToken };
}
