import { randomUUID } from "node:crypto";
import path from "node:path";
import { eq, sql } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import type { Database } from "~/db/client";
import { environments, requests, runs, templates, templateVersions, workerHeartbeats } from "~/db/schema";
import { syncTemplates } from "~/server/services/template-sync";
import { createTestDatabase } from "~/testing/db";
import { makeTeam, makeUser } from "~/testing/fixtures";
import { parsePrometheusText, type PromText } from "~/testing/prometheus";
import { createMetrics, PROVISIONING_BUCKETS } from "./metrics";

let db: Database;
let text: string;
let metrics: PromText;
let teams: { a: { id: string; slug: string }; b: { id: string; slug: string }; idle: { id: string; slug: string } };

const T0 = new Date("2026-03-02T10:00:00Z");
const at = (seconds: number) => new Date(T0.getTime() + seconds * 1000);

async function versionOf(name: string) {
  const [row] = await db
    .select({ id: templateVersions.id })
    .from(templateVersions)
    .innerJoin(templates, eq(templates.id, templateVersions.templateId))
    .where(eq(templates.name, name))
    .limit(1);
  if (!row) throw new Error(`template ${name} not synced`);
  return row.id;
}

type Seed = {
  teamId: string;
  requesterId: string;
  versionId: string;
  status: (typeof requests.$inferInsert)["status"];
  kind?: "create" | "extend";
  environmentId?: string;
  submittedAt?: Date;
  decidedAt?: Date | null;
  tier?: "dev" | "staging" | "prod";
};

async function request(seed: Seed) {
  const [row] = await db
    .insert(requests)
    .values({
      kind: seed.kind ?? "create",
      environmentId: seed.environmentId ?? null,
      teamId: seed.teamId,
      requesterId: seed.requesterId,
      templateVersionId: seed.versionId,
      environmentName: `env-${randomUUID().slice(0, 8)}`,
      tier: seed.tier ?? "dev",
      parameters: {},
      ttlHours: 24,
      justification: "metrics test",
      plan: {},
      hourlyMicros: 0,
      monthlyCents: 0,
      overTtlCents: 0,
      monthShareCents: 0,
      usage: { vcpus: 0, instances: 0, gpus: 0 },
      decision: {},
      status: seed.status,
      clientRequestId: randomUUID(),
      submittedAt: seed.submittedAt ?? T0,
      decidedAt: seed.decidedAt ?? null,
    })
    .returning({ id: requests.id });
  return row!.id;
}

type RunSeed = {
  kind: "apply" | "destroy" | "update";
  status: "queued" | "running" | "succeeded" | "failed" | "cancelled";
  startedAt?: Date;
  finishedAt?: Date;
};

/** A create request with its environment and runs. */
async function environment(
  seed: Omit<Seed, "status"> & {
    requestStatus: Seed["status"];
    status: (typeof environments.$inferInsert)["status"];
    engine: string;
    destroyReason?: string;
    runs: RunSeed[];
  },
) {
  const requestId = await request({ ...seed, status: seed.requestStatus });
  const [env] = await db
    .insert(environments)
    .values({
      requestId,
      teamId: seed.teamId,
      ownerId: seed.requesterId,
      templateVersionId: seed.versionId,
      name: `env-${randomUUID().slice(0, 8)}`,
      tier: seed.tier ?? "dev",
      engine: seed.engine,
      status: seed.status,
      onFailure: "cleanup",
      expiresAt: at(86_400),
      destroyReason: seed.destroyReason ?? null,
    })
    .returning({ id: environments.id });
  for (const run of seed.runs) {
    await db.insert(runs).values({
      environmentId: env!.id,
      kind: run.kind,
      status: run.status,
      queuedAt: T0,
      startedAt: run.startedAt ?? null,
      finishedAt: run.finishedAt ?? null,
    });
  }
  return env!.id;
}

beforeAll(async () => {
  ({ db } = await createTestDatabase());
  await syncTemplates(db, path.resolve(import.meta.dirname, "../../templates"));
  const web = await versionOf("web-service");
  const pg = await versionOf("postgres-dev");
  const dev = await makeUser(db);
  const a = await makeTeam(db, [{ userId: dev.id, role: "member" }]);
  const b = await makeTeam(db, [{ userId: dev.id, role: "member" }]);
  const idle = await makeTeam(db);
  teams = { a, b, idle };
  const base = { teamId: a.id, requesterId: dev.id };

  // Ready sim environment: approved at T0, apply started 2 s later and took 40 s.
  const ready = await environment({
    ...base,
    versionId: web,
    engine: "sim",
    requestStatus: "ready",
    status: "ready",
    decidedAt: T0,
    runs: [{ kind: "apply", status: "succeeded", startedAt: at(2), finishedAt: at(42) }],
  });
  // Auto-approved (no decision time): measured from the submission; the apply failed after 3 s.
  await environment({
    ...base,
    versionId: web,
    engine: "sim",
    requestStatus: "failed",
    status: "failed",
    runs: [{ kind: "apply", status: "failed", startedAt: at(0.3), finishedAt: at(3.3) }],
  });
  // Postgres, staging: an apply of more than an hour (only +Inf), a cancelled and a queued update.
  await environment({
    ...base,
    versionId: pg,
    engine: "postgres",
    tier: "staging",
    requestStatus: "ready",
    status: "ready",
    decidedAt: T0,
    runs: [
      { kind: "apply", status: "succeeded", startedAt: at(0.04), finishedAt: at(4000.04) },
      { kind: "update", status: "cancelled" },
      { kind: "update", status: "queued" },
    ],
  });
  // Destroyed when its TTL ran out: a 10 s apply (on a bucket boundary: counts in le="10").
  await environment({
    ...base,
    versionId: web,
    engine: "sim",
    requestStatus: "destroyed",
    status: "destroyed",
    decidedAt: T0,
    destroyReason: "expired",
    runs: [
      { kind: "apply", status: "succeeded", startedAt: at(1), finishedAt: at(11) },
      { kind: "destroy", status: "succeeded", startedAt: at(100), finishedAt: at(105) },
    ],
  });
  // Destroyed by its owner: not an expiry.
  await environment({
    ...base,
    versionId: web,
    engine: "sim",
    requestStatus: "destroyed",
    status: "destroyed",
    decidedAt: T0,
    destroyReason: "owner",
    runs: [
      { kind: "apply", status: "succeeded", startedAt: at(20), finishedAt: at(21.5) },
      { kind: "destroy", status: "succeeded", startedAt: at(200), finishedAt: at(201) },
    ],
  });
  // Provisioning right now: its apply started 0.5 s after approval and has not finished.
  await environment({
    ...base,
    versionId: web,
    engine: "sim",
    requestStatus: "provisioning",
    status: "provisioning",
    decidedAt: T0,
    runs: [{ kind: "apply", status: "running", startedAt: at(0.5) }],
  });
  // Waiting for approvers: two creates and an extension in team a, one create in team b.
  await request({ ...base, versionId: web, status: "pending_approval" });
  await request({ ...base, versionId: web, status: "pending_approval" });
  await request({ ...base, versionId: web, status: "pending_approval", kind: "extend", environmentId: ready });
  await request({ teamId: b.id, requesterId: dev.id, versionId: web, status: "pending_approval" });
  await request({ ...base, versionId: web, status: "rejected", decidedAt: T0 });

  // Workers: one live (12 s ago), one that stopped cleanly, one that died 10 minutes ago.
  await db.insert(workerHeartbeats).values([
    { workerId: "live", hostname: "h", pid: 1, concurrency: 4, startedAt: T0, lastSeenAt: sql`now() - interval '12 seconds'` as unknown as Date },
    { workerId: "stopped", hostname: "h", pid: 2, concurrency: 4, startedAt: T0, lastSeenAt: sql`now()` as unknown as Date, stoppedAt: new Date() },
    { workerId: "dead", hostname: "h", pid: 3, concurrency: 4, startedAt: T0, lastSeenAt: sql`now() - interval '10 minutes'` as unknown as Date },
  ]);

  // The queue: provision_request jobs in each state, two ready webhook deliveries.
  const addJob = (task: string, runAt = sql`now()`) =>
    db.execute(sql`select (graphile_worker.add_job(${task}, '{}'::json, run_at => ${runAt})).id as id`);
  await addJob("provision_request");
  await addJob("provision_request", sql`now() + interval '1 hour'`);
  const running = (await addJob("provision_request")).rows[0] as { id: string };
  await db.execute(sql`update graphile_worker._private_jobs set locked_at = now(), locked_by = 'w1' where id = ${running.id}`);
  const failed = (await addJob("provision_request")).rows[0] as { id: string };
  await db.execute(sql`update graphile_worker._private_jobs set attempts = max_attempts, last_error = 'boom' where id = ${failed.id}`);
  await addJob("deliver_webhook");
  await addJob("deliver_webhook");

  text = await createMetrics(db).scrape();
  metrics = parsePrometheusText(text);
});

describe("GET /api/metrics content, computed from the database", () => {
  it("is valid Prometheus text with a HELP and TYPE for every provisio family", () => {
    const provisio = [...metrics.families].filter(([name]) => name.startsWith("provisio_"));
    expect(Object.fromEntries(provisio.map(([name, f]) => [name, f.type]))).toEqual({
      provisio_runs_total: "counter",
      provisio_runs_active: "gauge",
      provisio_provisioning_duration_seconds: "histogram",
      provisio_approval_to_apply_start_seconds: "histogram",
      provisio_queue_depth: "gauge",
      provisio_pending_approvals: "gauge",
      provisio_environments: "gauge",
      provisio_environments_expired_destroyed_total: "counter",
      provisio_requests: "gauge",
      provisio_worker_heartbeat_age_seconds: "gauge",
      provisio_workers_live: "gauge",
      provisio_drift_checks_total: "counter",
      provisio_environments_drifted: "gauge",
      provisio_drift_age_seconds: "gauge",
      provisio_run_failures_total: "counter",
      provisio_run_retries_total: "counter",
      provisio_run_rate_limit_responses_total: "counter",
      provisio_partial_applies_total: "counter",
      provisio_request_denials_total: "counter",
      provisio_slo_objective: "gauge",
      provisio_time_to_provision_seconds: "histogram",
      provisio_pipeline_stage_seconds: "histogram",
    });
    for (const [, family] of provisio) expect(family.help.length).toBeGreaterThan(20);
  });

  it("counts finished runs by engine, template, kind and result, and active runs by status", () => {
    const total = (engine: string, template: string, kind: string, result: string) =>
      metrics.value("provisio_runs_total", { engine, template, kind, result });
    expect(total("sim", "web-service", "apply", "succeeded")).toBe(3);
    expect(total("sim", "web-service", "apply", "failed")).toBe(1);
    expect(total("sim", "web-service", "destroy", "succeeded")).toBe(2);
    expect(total("postgres", "postgres-dev", "apply", "succeeded")).toBe(1);
    expect(total("postgres", "postgres-dev", "update", "cancelled")).toBe(1);
    expect(metrics.samples.filter((s) => s.name === "provisio_runs_total").reduce((sum, s) => sum + s.value, 0)).toBe(8);

    expect(metrics.value("provisio_runs_active", { engine: "sim", kind: "apply", status: "running" })).toBe(1);
    expect(metrics.value("provisio_runs_active", { engine: "postgres", kind: "update", status: "queued" })).toBe(1);
  });

  it("builds the provisioning duration histogram from finished apply runs, buckets cumulative", () => {
    const bucket = (engine: string, result: string, le: string) =>
      metrics.value("provisio_provisioning_duration_seconds_bucket", { engine, result, le });
    // sim succeeded: 40 s, 10 s, 1.5 s (the running apply is not counted).
    expect(["1", "2", "5", "10", "15", "30", "60", "3600", "+Inf"].map((le) => bucket("sim", "succeeded", le))).toEqual([0, 1, 1, 2, 2, 2, 3, 3, 3]);
    expect(metrics.value("provisio_provisioning_duration_seconds_count", { engine: "sim", result: "succeeded" })).toBe(3);
    expect(metrics.value("provisio_provisioning_duration_seconds_sum", { engine: "sim", result: "succeeded" })).toBeCloseTo(51.5, 6);
    expect(bucket("sim", "failed", "2")).toBe(0);
    expect(bucket("sim", "failed", "5")).toBe(1);
    // Over an hour: in no finite bucket, only in +Inf.
    expect(bucket("postgres", "succeeded", "3600")).toBe(0);
    expect(bucket("postgres", "succeeded", "+Inf")).toBe(1);
    expect(metrics.value("provisio_provisioning_duration_seconds_sum", { engine: "postgres", result: "succeeded" })).toBeCloseTo(4000, 6);
    const simBuckets = metrics.samples.filter(
      (s) => s.name === "provisio_provisioning_duration_seconds_bucket" && s.labels.engine === "sim" && s.labels.result === "succeeded",
    );
    expect(simBuckets.map((s) => s.labels.le)).toEqual([...PROVISIONING_BUCKETS.map(String), "+Inf"]);
  });

  it("measures approval (or auto-approved submission) to apply start", () => {
    const bucket = (engine: string, le: string) => metrics.value("provisio_approval_to_apply_start_seconds_bucket", { engine, le });
    // sim: 2 s, 0.3 s (auto-approved, from submission), 1 s, 20 s, 0.5 s (still running).
    expect(["0.25", "0.5", "1", "2.5", "10", "30", "+Inf"].map((le) => bucket("sim", le))).toEqual([0, 2, 3, 4, 4, 5, 5]);
    expect(metrics.value("provisio_approval_to_apply_start_seconds_sum", { engine: "sim" })).toBeCloseTo(23.8, 6);
    expect(bucket("postgres", "0.05")).toBe(1);
    expect(metrics.value("provisio_approval_to_apply_start_seconds_count", { engine: "postgres" })).toBe(1);
  });

  it("reports pending approvals per team (0 for a team with none), requests and environments by status", () => {
    expect(metrics.value("provisio_pending_approvals", { team: teams.a.slug })).toBe(3);
    expect(metrics.value("provisio_pending_approvals", { team: teams.b.slug })).toBe(1);
    expect(metrics.value("provisio_pending_approvals", { team: teams.idle.slug })).toBe(0);

    expect(metrics.value("provisio_requests", { kind: "create", status: "pending_approval" })).toBe(3);
    expect(metrics.value("provisio_requests", { kind: "extend", status: "pending_approval" })).toBe(1);
    expect(metrics.value("provisio_requests", { kind: "create", status: "destroyed" })).toBe(2);
    expect(metrics.value("provisio_requests", { kind: "create", status: "rejected" })).toBe(1);
    expect(metrics.value("provisio_requests", { kind: "extend", status: "applied" })).toBe(0);

    expect(metrics.value("provisio_environments", { status: "ready", tier: "dev" })).toBe(1);
    expect(metrics.value("provisio_environments", { status: "ready", tier: "staging" })).toBe(1);
    expect(metrics.value("provisio_environments", { status: "destroyed", tier: "dev" })).toBe(2);
    expect(metrics.value("provisio_environments", { status: "failed", tier: "dev" })).toBe(1);
    expect(metrics.value("provisio_environments", { status: "provisioning", tier: "dev" })).toBe(1);
    expect(metrics.value("provisio_environments", { status: "destroying", tier: "prod" })).toBe(0);
    expect(metrics.value("provisio_environments_expired_destroyed_total")).toBe(1);
  });

  it("reads queue depth by task and state from graphile-worker's tables", () => {
    const depth = (task: string, state: string) => metrics.value("provisio_queue_depth", { task, state });
    expect(["ready", "scheduled", "running", "failed"].map((state) => depth("provision_request", state))).toEqual([1, 1, 1, 1]);
    expect(depth("deliver_webhook", "ready")).toBe(2);
    expect(depth("deliver_webhook", "failed")).toBe(0);
  });

  it("reports the newest heartbeat of a running worker and how many are live", () => {
    const age = metrics.value("provisio_worker_heartbeat_age_seconds")!;
    expect(age).toBeGreaterThanOrEqual(12);
    expect(age).toBeLessThan(60);
    expect(metrics.value("provisio_workers_live")).toBe(1);
  });

  it("gives the same numbers to any other process scraping the same database", async () => {
    const other = parsePrometheusText(await createMetrics(db).scrape());
    const pick = (m: PromText) =>
      m.samples
        .filter((s) => s.name.startsWith("provisio_") && s.name !== "provisio_worker_heartbeat_age_seconds")
        .map((s) => `${s.name}${JSON.stringify(s.labels)} ${s.value}`)
        .sort();
    expect(pick(other)).toEqual(pick(metrics));
  });

  it("omits the heartbeat age when no worker is running, and adds process metrics on request", async () => {
    await db.update(workerHeartbeats).set({ stoppedAt: new Date() });
    const scraped = parsePrometheusText(await createMetrics(db, { processMetrics: true }).scrape());
    expect(scraped.value("provisio_worker_heartbeat_age_seconds")).toBeUndefined();
    expect(scraped.value("provisio_workers_live")).toBe(0);
    expect(scraped.families.get("process_cpu_user_seconds_total")?.type).toBe("counter");
    expect(scraped.value("nodejs_heap_size_used_bytes")).toBeGreaterThan(0);
  });
});
