/**
 * The admin's home page in one read: runs that failed lately, what waits in the provisioning
 * queue, whether workers are alive, and each team's spend this month against its budget.
 * Access is the caller's business (oversightProcedure: admins and auditors).
 */
import { and, asc, count, desc, eq, gte, inArray, min } from "drizzle-orm";
import type { Database } from "~/db/client";
import { environments, requests, runs, teams } from "~/db/schema";
import { accruedMicros } from "./costs";
import { checkHealth } from "./health";

const FAILED_WINDOW_MS = 7 * 24 * 3_600_000;

export async function platformOverview(db: Database, now = new Date()) {
  const monthStart = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1));
  const [failedRuns, queue, waitingRequests, health, teamRows] = await Promise.all([
    db
      .select({
        runId: runs.id,
        kind: runs.kind,
        error: runs.error,
        finishedAt: runs.finishedAt,
        environmentId: environments.id,
        environmentName: environments.name,
        teamName: teams.name,
      })
      .from(runs)
      .innerJoin(environments, eq(environments.id, runs.environmentId))
      .innerJoin(teams, eq(teams.id, environments.teamId))
      .where(and(eq(runs.status, "failed"), gte(runs.finishedAt, new Date(now.getTime() - FAILED_WINDOW_MS))))
      .orderBy(desc(runs.finishedAt))
      .limit(5),
    db
      .select({ status: runs.status, runs: count(), oldest: min(runs.queuedAt) })
      .from(runs)
      .where(inArray(runs.status, ["queued", "running"]))
      .groupBy(runs.status),
    // Approved but no run yet: waiting for a worker to pick the job up.
    db
      .select({ requests: count(), oldest: min(requests.decidedAt) })
      .from(requests)
      .where(inArray(requests.status, ["approved", "queued"])),
    checkHealth(db),
    db
      .select({ id: teams.id, name: teams.name, budgetCents: teams.monthlyBudgetCents, mode: teams.budgetMode })
      .from(teams)
      .orderBy(asc(teams.name))
      .limit(50),
  ]);
  const spent = await Promise.all(teamRows.map((t) => accruedMicros(db, t.id, monthStart, now)));
  const byStatus = new Map(queue.map((q) => [q.status, q]));
  return {
    failedRuns: failedRuns.map((r) => ({ ...r, error: r.error ? r.error.slice(0, 200) : null })),
    queue: {
      queuedRuns: byStatus.get("queued")?.runs ?? 0,
      oldestQueuedAt: byStatus.get("queued")?.oldest ?? null,
      runningRuns: byStatus.get("running")?.runs ?? 0,
      waitingRequests: waitingRequests[0]?.requests ?? 0,
      oldestWaitingAt: waitingRequests[0]?.oldest ?? null,
    },
    workers: health.worker,
    database: health.database.ok,
    budgets: teamRows.map((t, i) => ({ ...t, spentCents: Math.round((spent[i] ?? 0) / 10_000) })),
  };
}
export type PlatformOverview = Awaited<ReturnType<typeof platformOverview>>;
