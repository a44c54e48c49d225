/**
 * Seeds provisioning histories with chosen timestamps for the SLO tests and the e2e journey
 * (issue 16): a request, its environment, its runs, live resources and cost records, all
 * written directly so every SLI has a known answer.
 */
import { randomUUID } from "node:crypto";
import { eq } from "drizzle-orm";
import type { Executor } from "~/db/client";
import { costRecords, environmentResources, environments, requests, runEvents, runs, templates, templateVersions } from "~/db/schema";
import type { FailureCause, RunKind, RunStatus } from "~/db/vocabulary";

export async function seedTemplate(db: Executor, name: string): Promise<{ templateId: string; versionId: string; name: string }> {
  const [template] = await db.insert(templates).values({ name, source: "file" }).returning({ id: templates.id });
  const [version] = await db
    .insert(templateVersions)
    .values({ templateId: template!.id, version: "1.0.0", major: 1, minor: 0, patch: 0, status: "draft", source: "file", yaml: `name: ${name}` })
    .returning({ id: templateVersions.id });
  return { templateId: template!.id, versionId: version!.id, name };
}

export type SeededRun = {
  kind?: RunKind;
  status: RunStatus;
  queuedAt?: Date;
  startedAt?: Date;
  finishedAt?: Date;
  failureCause?: FailureCause;
  error?: string;
  retries?: number;
  rateLimitResponses?: number;
  heartbeatAt?: Date;
  workerId?: string;
  log?: string[];
};

export type SeededProvision = {
  teamId: string;
  userId: string;
  template: { versionId: string; name: string };
  tier?: "dev" | "staging" | "prod";
  engine?: string;
  name?: string;
  submittedAt: Date;
  decidedAt?: Date;
  queuedAt?: Date;
  readyAt?: Date;
  status?: "provisioning" | "ready" | "failed" | "destroyed";
  requestStatus?: "pending_approval" | "queued" | "provisioning" | "ready" | "failed";
  runs?: SeededRun[];
  /** Resources left in the cloud (for partial applies), made at `resourcesCreatedAt` (default: ready, else submitted). */
  liveResources?: number;
  resourcesCreatedAt?: Date;
  /** One cost record at this rate from `from` to `to` (open when no `to`). */
  cost?: { hourlyMicros: number; from: Date; to?: Date };
};

export async function seedProvision(db: Executor, p: SeededProvision): Promise<{ requestId: string; environmentId: string; runIds: string[] }> {
  const tier = p.tier ?? "dev";
  const name = p.name ?? `env-${randomUUID().slice(0, 8)}`;
  const status = p.status ?? (p.readyAt ? "ready" : "failed");
  const [request] = await db
    .insert(requests)
    .values({
      teamId: p.teamId,
      requesterId: p.userId,
      templateVersionId: p.template.versionId,
      environmentName: name,
      tier,
      parameters: {},
      ttlHours: 24,
      justification: "seeded for the SLO tests",
      plan: {},
      hourlyMicros: p.cost?.hourlyMicros ?? 0,
      monthlyCents: 0,
      overTtlCents: 0,
      monthShareCents: 0,
      usage: { vcpus: 0, instances: 0, gpus: 0 },
      decision: { outcome: "auto_approved", stages: [], reasons: [] },
      status:
        p.requestStatus ??
        (status === "ready" ? "ready" : status === "provisioning" ? "provisioning" : status === "destroyed" ? "destroyed" : "failed"),
      clientRequestId: randomUUID(),
      submittedAt: p.submittedAt,
      decidedAt: p.decidedAt ?? p.submittedAt,
      queuedAt: p.queuedAt ?? p.decidedAt ?? p.submittedAt,
      createdAt: p.submittedAt,
    })
    .returning({ id: requests.id });
  const [environment] = await db
    .insert(environments)
    .values({
      requestId: request!.id,
      teamId: p.teamId,
      ownerId: p.userId,
      templateVersionId: p.template.versionId,
      name,
      tier,
      engine: p.engine ?? "sim",
      status,
      onFailure: "keep",
      expiresAt: new Date(p.submittedAt.getTime() + 30 * 86_400_000),
      readyAt: p.readyAt ?? null,
      createdAt: p.queuedAt ?? p.decidedAt ?? p.submittedAt,
    })
    .returning({ id: environments.id });
  const environmentId = environment!.id;
  const runIds: string[] = [];
  for (const run of p.runs ?? []) {
    const [row] = await db
      .insert(runs)
      .values({
        environmentId,
        kind: run.kind ?? "apply",
        status: run.status,
        attempts: run.status === "queued" ? 0 : 1,
        workerId: run.workerId ?? (run.status === "running" ? "seeded-worker" : null),
        heartbeatAt: run.heartbeatAt ?? run.startedAt ?? null,
        error: run.error ?? (run.status === "failed" ? `seeded failure (${run.failureCause ?? "unknown"})` : null),
        failureCause: run.status === "failed" ? (run.failureCause ?? "unknown") : null,
        retries: run.retries ?? 0,
        rateLimitResponses: run.rateLimitResponses ?? 0,
        queuedAt: run.queuedAt ?? run.startedAt ?? p.submittedAt,
        startedAt: run.startedAt ?? null,
        finishedAt: run.finishedAt ?? null,
      })
      .returning({ id: runs.id });
    runIds.push(row!.id);
    if (run.log?.length)
      await db
        .insert(runEvents)
        .values(run.log.map((message) => ({ runId: row!.id, level: "info" as const, message, at: run.startedAt ?? p.submittedAt })));
  }
  const live = p.liveResources ?? (status === "ready" ? 1 : 0);
  for (let i = 0; i < Math.max(live, p.cost ? 1 : 0); i++) {
    const address = `res${i}`;
    const [resource] = await db
      .insert(environmentResources)
      .values({
        environmentId,
        address,
        type: "instance",
        idempotencyKey: `${environmentId}/${address}`,
        providerId: i < live ? `i-${randomUUID().slice(0, 8)}` : null,
        status: i < live ? "ready" : "deleted",
        properties: {},
        tags: {},
        hourlyMicros: p.cost?.hourlyMicros ?? 0,
        createdAt: p.resourcesCreatedAt ?? p.readyAt ?? p.submittedAt,
        deletedAt: i < live ? null : p.submittedAt,
      })
      .returning({ id: environmentResources.id });
    // The resources' trigger opened a record at "now"; the seed's own period replaces it.
    await db.delete(costRecords).where(eq(costRecords.resourceId, resource!.id));
    if (i === 0 && p.cost)
      await db.insert(costRecords).values({
        resourceId: resource!.id,
        environmentId,
        teamId: p.teamId,
        templateName: p.template.name,
        templateVersion: "1.0.0",
        tier,
        engine: p.engine ?? "sim",
        address,
        resourceType: "instance",
        hourlyMicros: p.cost.hourlyMicros,
        tags: {},
        startedAt: p.cost.from,
        endedAt: p.cost.to ?? null,
      });
  }
  return { requestId: request!.id, environmentId, runIds };
}
