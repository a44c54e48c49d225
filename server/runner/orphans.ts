/**
 * Orphans: resources in the simulated cloud that carry Provisio's tags (`managed-by: provisio`
 * and an `environment-id`) but that no portal record tracks — no environment_resources row with
 * that provider id or idempotency key, other than a deleted one. The runner tracks a resource
 * before it asks the engine for it, so an orphan means something went wrong (a cleanup that lost
 * track, a record removed by hand, a resource made outside Provisio with our tags); the sweep
 * reports them, or removes them. A resource younger than the grace period is left alone: a run
 * may be between the engine's answer and recording it.
 */
import { and, eq, inArray, or } from "drizzle-orm";
import type { Database } from "~/db/client";
import { environmentResources, environments } from "~/db/schema";
import { mayExistResourceStatuses } from "~/db/vocabulary";
import type { SimCloud, SimResource } from "~/server/engines/sim/cloud";
import { logger } from "~/server/logger";
import { recordAudit, systemActor } from "~/server/core/audit";

/** Resources younger than this are never orphans yet (an apply may be recording them). */
export const DEFAULT_ORPHAN_GRACE_MS = 10 * 60_000;

export type Orphan = {
  providerId: string;
  type: string;
  account: string;
  region: string | null;
  environmentId: string;
  idempotencyKey: string | null;
  tags: Record<string, string>;
  createdAt: Date;
  /** The environment's team, when the portal knows the environment. */
  teamId: string | null;
  /**
   * unknown-environment: no environment with that id; untracked: the environment never recorded
   * it; record-deleted: its record says deleted but the cloud still has it.
   */
  reason: "unknown-environment" | "untracked" | "record-deleted";
};

export type OrphanScanOptions = {
  /** Default 10 minutes. */
  graceMs?: number;
  /** The clock the grace period is measured against (tests). */
  now?: Date;
  /** The cloud account to scan; default the cloud's own. */
  account?: string;
};

export type OrphanScan = {
  /** Live resources carrying `managed-by: provisio` and an `environment-id` tag. */
  scanned: number;
  /** Untracked, but younger than the grace period: looked at again by the next sweep. */
  tooYoung: number;
  orphans: Orphan[];
};

export type SweepReport = OrphanScan & {
  mode: "report" | "remove";
  /** Provider ids deleted from the cloud (remove mode). */
  removed: string[];
  /** Orphans that could not be removed, with why; the next sweep tries again. */
  failed: { providerId: string; error: string }[];
};

const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const chunk = <T>(items: readonly T[], size = 500): T[][] =>
  Array.from({ length: Math.ceil(items.length / size) }, (_, i) => items.slice(i * size, (i + 1) * size));

type Tracking = { providerId: string | null; idempotencyKey: string; status: string };

/** The portal's records naming any of these resources, by provider id or idempotency key. */
async function trackingRows(db: Database, resources: readonly SimResource[]): Promise<Tracking[]> {
  const rows: Tracking[] = [];
  for (const part of chunk(resources)) {
    const ids = part.map((r) => r.id);
    const keys = part.map((r) => r.idempotencyKey).filter((k): k is string => Boolean(k));
    rows.push(
      ...(await db
        .select({
          providerId: environmentResources.providerId,
          idempotencyKey: environmentResources.idempotencyKey,
          status: environmentResources.status,
        })
        .from(environmentResources)
        .where(or(inArray(environmentResources.providerId, ids), keys.length ? inArray(environmentResources.idempotencyKey, keys) : undefined))),
    );
  }
  return rows;
}

const names = (resource: SimResource) => (row: Tracking) =>
  row.providerId === resource.id || (resource.idempotencyKey !== null && row.idempotencyKey === resource.idempotencyKey);

/** Finds what the cloud has under Provisio's tags that the portal does not track, with the grace period counted. */
export async function scanForOrphans(db: Database, cloud: SimCloud, options: OrphanScanOptions = {}): Promise<OrphanScan> {
  const graceMs = options.graceMs ?? DEFAULT_ORPHAN_GRACE_MS;
  const cutoff = (options.now ?? new Date()).getTime() - graceMs;
  // The inventory, not the rate-limited API: a sweep must not starve the runs of tokens.
  const ours = (await cloud.inventory({ tags: { "managed-by": "provisio" }, account: options.account ?? cloud.account })).filter((r) =>
    Boolean(r.tags["environment-id"]),
  );
  const rows = await trackingRows(db, ours);
  const untracked = ours.filter((r) => !rows.some((row) => names(r)(row) && row.status !== "deleted"));
  const young = untracked.filter((r) => r.createdAt.getTime() > cutoff);
  const old = untracked.filter((r) => r.createdAt.getTime() <= cutoff);

  const environmentIds = [...new Set(old.map((r) => r.tags["environment-id"] ?? "").filter((id) => uuid.test(id)))];
  const teams = new Map<string, string>();
  for (const part of chunk(environmentIds)) {
    for (const e of await db.select({ id: environments.id, teamId: environments.teamId }).from(environments).where(inArray(environments.id, part)))
      teams.set(e.id, e.teamId);
  }
  const orphans = old.map((r): Orphan => {
    const environmentId = r.tags["environment-id"] ?? "";
    const teamId = teams.get(environmentId) ?? null;
    return {
      providerId: r.id,
      type: r.type,
      account: r.account,
      region: r.region,
      environmentId,
      idempotencyKey: r.idempotencyKey,
      tags: r.tags,
      createdAt: r.createdAt,
      teamId,
      reason: teamId === null ? "unknown-environment" : rows.some(names(r)) ? "record-deleted" : "untracked",
    };
  });
  return { scanned: ours.length, tooYoung: young.length, orphans };
}

/** Simulator resources carrying Provisio's tags that no portal record tracks (older than the grace period). */
export async function findOrphans(db: Database, cloud: SimCloud, options: OrphanScanOptions = {}): Promise<Orphan[]> {
  return (await scanForOrphans(db, cloud, options)).orphans;
}

/** Is the resource tracked now? Checked again right before a removal, in case a run recorded it meanwhile. */
async function trackedNow(db: Database, orphan: Orphan): Promise<boolean> {
  const [row] = await db
    .select({ id: environmentResources.id })
    .from(environmentResources)
    .where(
      and(
        or(
          eq(environmentResources.providerId, orphan.providerId),
          orphan.idempotencyKey ? eq(environmentResources.idempotencyKey, orphan.idempotencyKey) : undefined,
        ),
        inArray(environmentResources.status, mayExistResourceStatuses),
      ),
    )
    .limit(1);
  return Boolean(row);
}

const describe = (o: Orphan) =>
  `${o.type} ${o.providerId}${o.region ? ` in ${o.region}` : ""} (environment ${o.environmentId}: ${
    o.reason === "unknown-environment"
      ? "no such environment"
      : o.reason === "record-deleted"
        ? "its record says deleted"
        : "not tracked by the environment"
  })`;

/**
 * Reports the orphans (a log line each) and, with `remove`, deletes them from the cloud through
 * its API, newest first (what uses a resource was made after it), writing an audit event per
 * removal. A removal refused for a moment (a dependency still being deleted, a rate limit) is
 * tried again in a later pass, then left for the next sweep.
 */
export async function sweepOrphans(db: Database, cloud: SimCloud, options: OrphanScanOptions & { remove: boolean }): Promise<SweepReport> {
  const scan = await scanForOrphans(db, cloud, options);
  const report: SweepReport = { ...scan, mode: options.remove ? "remove" : "report", removed: [], failed: [] };
  for (const orphan of scan.orphans) {
    logger.warn({ orphan: { ...orphan, tags: undefined }, mode: report.mode }, `orphaned resource: ${describe(orphan)}`);
  }
  if (!options.remove) return report;

  let pending = [...scan.orphans].sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime());
  const errors = new Map<string, string>();
  for (let pass = 0; pass < 3 && pending.length; pass++) {
    const retry: Orphan[] = [];
    let waitMs = 0;
    for (const orphan of pending) {
      if (await trackedNow(db, orphan)) continue;
      try {
        const { deleted } = await cloud.delete(orphan.providerId, { account: orphan.account });
        errors.delete(orphan.providerId);
        if (!deleted) continue;
        report.removed.push(orphan.providerId);
        await recordAudit(db, systemActor, {
          action: "resource.orphan_removed",
          subjectType: "resource",
          subjectId: orphan.providerId,
          teamId: orphan.teamId,
          correlationId: orphan.environmentId,
          before: {
            type: orphan.type,
            account: orphan.account,
            region: orphan.region,
            environmentId: orphan.environmentId,
            idempotencyKey: orphan.idempotencyKey,
            reason: orphan.reason,
            tags: orphan.tags,
          },
        });
        logger.warn({ providerId: orphan.providerId, environmentId: orphan.environmentId }, `removed orphaned resource: ${describe(orphan)}`);
      } catch (error) {
        errors.set(orphan.providerId, (error as Error).message);
        if ((error as { kind?: string }).kind === "transient") {
          retry.push(orphan);
          waitMs = Math.max(waitMs, (error as { retryAfterMs?: number }).retryAfterMs ?? 0);
        }
      }
    }
    pending = retry;
    if (pending.length && waitMs > 0) await new Promise((resolve) => setTimeout(resolve, Math.min(waitMs, 2_000)));
  }
  for (const [providerId, error] of errors) {
    report.failed.push({ providerId, error });
    logger.error({ providerId, error }, `could not remove orphaned resource ${providerId}: ${error}`);
  }
  return report;
}
