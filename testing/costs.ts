/**
 * Fixtures for cost tests: an environment (with its template version and request) made by
 * direct inserts, and tracked resources whose status flips drive the cost-record trigger,
 * with explicit timestamps, so accrual is asserted against a controllable clock.
 */
import { randomBytes, randomUUID } from "node:crypto";
import { eq } from "drizzle-orm";
import type { Database } from "~/db/client";
import { environmentResources, environments, requests, templates, templateVersions } from "~/db/schema";

const unique = () => randomBytes(4).toString("hex");

export async function makePublishedVersion(db: Database, name = `cost-${unique()}`, version = "1.0.0") {
  const [template] = await db.insert(templates).values({ name, source: "ui" }).returning();
  const [row] = await db
    .insert(templateVersions)
    .values({
      templateId: template!.id,
      version,
      major: 1,
      minor: 0,
      patch: 0,
      status: "published",
      source: "ui",
      yaml: `# ${name}`,
      document: {},
      contentHash: unique(),
      publishedAt: new Date(),
    })
    .returning();
  return { templateId: template!.id, versionId: row!.id, name };
}

export type EnvironmentFixture = {
  teamId: string;
  ownerId: string;
  versionId: string;
  name?: string;
  tier?: "dev" | "staging" | "prod";
  engine?: string;
  status?: "provisioning" | "ready" | "failed" | "destroying" | "destroyed";
  expiresAt: Date;
  /** The request's planned hourly rate (what a provisioning environment will cost). */
  hourlyMicros?: number;
};

/** A create request (status following the environment's) and its environment. */
export async function makeEnvironment(db: Database, f: EnvironmentFixture) {
  const name = f.name ?? `env-${unique()}`;
  const status = f.status ?? "ready";
  const [request] = await db
    .insert(requests)
    .values({
      teamId: f.teamId,
      requesterId: f.ownerId,
      templateVersionId: f.versionId,
      environmentName: name,
      tier: f.tier ?? "dev",
      parameters: {},
      ttlHours: 24,
      justification: "cost fixture",
      plan: { resources: [] },
      hourlyMicros: f.hourlyMicros ?? 0,
      monthlyCents: 0,
      overTtlCents: 0,
      monthShareCents: 0,
      usage: { vcpus: 0, instances: 0, gpus: 0 },
      decision: {},
      status: status === "provisioning" ? "provisioning" : status === "ready" ? "ready" : status === "failed" ? "failed" : "destroyed",
      clientRequestId: randomUUID(),
    })
    .returning();
  const [environment] = await db
    .insert(environments)
    .values({
      requestId: request!.id,
      teamId: f.teamId,
      ownerId: f.ownerId,
      templateVersionId: f.versionId,
      name,
      tier: f.tier ?? "dev",
      engine: f.engine ?? "sim",
      status,
      onFailure: "cleanup",
      expiresAt: f.expiresAt,
    })
    .returning();
  return environment!;
}

export type ResourceFixture = {
  address: string;
  type?: string;
  hourlyMicros: number;
  tags?: Record<string, string>;
  region?: string;
  providerId?: string;
};

/** A tracked resource, `creating` until `ready` is called: no cost yet. */
export async function makeResource(db: Database, environmentId: string, r: ResourceFixture) {
  const [row] = await db
    .insert(environmentResources)
    .values({
      environmentId,
      address: r.address,
      type: r.type ?? "instance",
      idempotencyKey: `${environmentId}/${r.address}`,
      providerId: r.providerId ?? null,
      status: "creating",
      properties: { region: r.region ?? "us-east-1" },
      tags: r.tags ?? { "environment-id": environmentId, "managed-by": "provisio" },
      hourlyMicros: r.hourlyMicros,
    })
    .returning();
  return row!;
}

/** The resource became ready at `at` (the trigger opens its cost record). */
export async function markReady(db: Database, resourceId: string, at: Date | string) {
  await db
    .update(environmentResources)
    .set({ status: "ready", readyAt: new Date(at) })
    .where(eq(environmentResources.id, resourceId));
}

/** The resource was deleted at `at` (the trigger closes its cost record). */
export async function markDeleted(db: Database, resourceId: string, at: Date | string) {
  await db
    .update(environmentResources)
    .set({ status: "deleted", deletedAt: new Date(at) })
    .where(eq(environmentResources.id, resourceId));
}
