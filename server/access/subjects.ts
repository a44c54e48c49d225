/**
 * Loading a subject for a viewer: the row when the viewer may read it, else null, and the caller
 * answers NOT_FOUND, the same as for an id that does not exist. The API's subject procedures
 * (teamProcedure, requestProcedure, environmentProcedure, runProcedure), the run log stream and
 * the REST routes load through these, so "may read" is decided by the one rule in ./rules.
 */
import { eq } from "drizzle-orm";
import type { Executor } from "~/db/client";
import { environments, requests, runs, teams, type Environment, type Request, type Run, type Team } from "~/db/schema";
import { canReadEnvironment, canReadRequest, canReadRun, canReadTeam, type AccessViewer } from "./rules";

export async function readableTeam(db: Executor, viewer: AccessViewer, teamId: string): Promise<Team | null> {
  // Unseen teams are not even looked up: the answer cannot depend on whether they exist.
  if (!canReadTeam(viewer, teamId)) return null;
  const [team] = await db.select().from(teams).where(eq(teams.id, teamId)).limit(1);
  return team ?? null;
}

export async function readableRequest(db: Executor, viewer: AccessViewer, requestId: string): Promise<Request | null> {
  const [request] = await db.select().from(requests).where(eq(requests.id, requestId)).limit(1);
  return request && canReadRequest(viewer, request) ? request : null;
}

export async function readableEnvironment(db: Executor, viewer: AccessViewer, environmentId: string): Promise<Environment | null> {
  const [environment] = await db.select().from(environments).where(eq(environments.id, environmentId)).limit(1);
  return environment && canReadEnvironment(viewer, environment) ? environment : null;
}

/** A run with its environment's team (runs belong to the team of their environment). */
export async function readableRun(db: Executor, viewer: AccessViewer, runId: string): Promise<(Run & { teamId: string }) | null> {
  const [row] = await db
    .select({ run: runs, teamId: environments.teamId })
    .from(runs)
    .innerJoin(environments, eq(environments.id, runs.environmentId))
    .where(eq(runs.id, runId))
    .limit(1);
  return row && canReadRun(viewer, row) ? { ...row.run, teamId: row.teamId } : null;
}
