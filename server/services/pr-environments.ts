/**
 * Ephemeral environments per pull request. A request may carry a `source` (repository, PR
 * number, commit). While a live request of the same team, repository and PR exists, a new
 * submit re-uses it: the new commit is recorded (audited) and the existing request and
 * environment come back instead of a duplicate. Closing the PR destroys it through the normal
 * destroy path (findSourceEnvironment gives the caller the environment to destroy).
 *
 * A re-use whose parameters differ from the live ones gets a day-2 update (pr-updates.ts).
 */
import { and, desc, eq, inArray } from "drizzle-orm";
import type { Database, Executor } from "~/db/client";
import { environments, requests } from "~/db/schema";
import { canReadTeam } from "~/server/access/rules";
import { recordAudit, type Actor } from "~/server/core/audit";
import { notFound } from "~/server/core/errors";
import { liveStatuses } from "./request-evaluation";
import type { Viewer } from "./users";

export type RequestSource = { repository: string; pullRequest: number; commit: string; url?: string };

const sameSource = (teamId: string, source: { repository: string; pullRequest: number }) =>
  and(
    eq(requests.teamId, teamId),
    eq(requests.kind, "create"),
    eq(requests.sourceRepository, source.repository),
    eq(requests.sourcePullRequest, source.pullRequest),
    inArray(requests.status, [...liveStatuses]),
  );

/** The live request of this source, with the new commit recorded; null when there is none (then a new request is made). */
export async function reuseSourceRequest(tx: Executor, actor: Actor, teamId: string, source: RequestSource) {
  const [live] = await tx.select().from(requests).where(sameSource(teamId, source)).orderBy(desc(requests.submittedAt)).limit(1).for("update");
  if (!live) return null;
  const [environment] = await tx.select({ id: environments.id }).from(environments).where(eq(environments.requestId, live.id)).limit(1);
  if (live.sourceCommit !== source.commit) {
    await tx
      .update(requests)
      .set({ sourceCommit: source.commit, sourceUrl: source.url ?? live.sourceUrl, updatedAt: new Date() })
      .where(eq(requests.id, live.id));
    await recordAudit(tx, actor, {
      action: "request.source_updated",
      subjectType: "request",
      subjectId: live.id,
      teamId,
      correlationId: live.id,
      before: { commit: live.sourceCommit },
      after: { repository: source.repository, pullRequest: source.pullRequest, commit: source.commit },
    });
  }
  return {
    id: live.id,
    number: `REQ-${live.number}`,
    status: live.status,
    duplicate: false,
    reused: true,
    environmentId: environment?.id ?? null,
  };
}

/** The live environment of a source (for "destroy on close"), or NOT_FOUND; a team the viewer may not read does not exist for them. */
export async function findSourceEnvironment(db: Database, viewer: Viewer, input: { teamId: string; repository: string; pullRequest: number }) {
  if (!canReadTeam(viewer, input.teamId)) throw notFound("Team");
  const [row] = await db
    .select({ id: environments.id, name: environments.name, status: environments.status, version: environments.version, requestId: requests.id })
    .from(environments)
    .innerJoin(requests, eq(requests.id, environments.requestId))
    .where(
      and(
        eq(requests.teamId, input.teamId),
        eq(requests.sourceRepository, input.repository),
        eq(requests.sourcePullRequest, input.pullRequest),
        inArray(environments.status, ["provisioning", "ready", "failed"]),
      ),
    )
    .orderBy(desc(environments.createdAt))
    .limit(1);
  if (!row) throw notFound(`A live environment of ${input.repository}#${input.pullRequest}`);
  return row;
}
