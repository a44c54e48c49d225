/**
 * The runner against a misbehaving cloud: every fault is switched on through the simulator's
 * configuration (or, for a plan the validator would refuse, written into the request row), and
 * every run must end — succeeded, failed with a clear error, or handed back — with the portal's
 * records and the simulator's inventory telling the same story: no duplicate, no untracked
 * resource, no run left running.
 */
import { randomUUID } from "node:crypto";
import { getEventListeners } from "node:events";
import { and, eq, inArray, sql } from "drizzle-orm";
import { stringify } from "yaml";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { Database } from "~/db/client";
import { environmentResources, environments, requests, runEvents, runs } from "~/db/schema";
import type { Engine } from "~/server/engines/engine";
import { quietSimConfig, type SimConfigInput } from "~/server/engines/sim/cloud";
import { createSimEngine, type SimEngine } from "~/server/engines/sim/engine";
import type { Plan } from "~/server/templates/plan";
import { createTestDatabase } from "~/testing/db";
import { callerFor, makeTeam, makeUser } from "~/testing/fixtures";
import { templateDocumentFor, uniqueTemplateName } from "~/testing/templates";
import { findOrphans } from "./orphans";
import { executeRun } from "./execute";
import { startApply } from "./start-apply";
import type { RunnerOptions } from "./types";

let db: Database;
let engine: SimEngine;
let teamId: string;
let dev: Awaited<ReturnType<typeof callerFor>>;
const templates = { cleanup: "", keep: "" };

/** Fast retries, so exhausting them takes milliseconds. */
const fast = { attempts: 4, baseMs: 1, maxMs: 5 };

/** A network, a subnet and `boxes` instances in `region`; onFailure as given. */
function boxesTemplate(name: string, onFailure: "cleanup" | "keep"): string {
  const document = templateDocumentFor(name);
  document.metadata.description = `Test boxes for runner fault tests (on failure: ${onFailure}).`;
  document.spec.parameters = [
    ...document.spec.parameters,
    {
      name: "region",
      title: "Region",
      type: "string",
      enum: ["us-east-1", "us-west-2", "eu-west-1", "eu-central-1"],
      default: "us-east-1",
      required: true,
    },
    { name: "boxes", title: "Boxes", type: "integer", minimum: 1, maximum: 3, default: 2, required: true },
  ] as typeof document.spec.parameters;
  document.spec.resources = [
    { id: "net", type: "network", properties: { region: "${params.region}", cidr: "10.0.0.0/16" } },
    { id: "subnet", type: "subnet", properties: { region: "${params.region}", network: "${resources.net.id}", cidr: "10.0.1.0/24" } },
    {
      id: "boxes",
      type: "instance",
      count: "${params.boxes}",
      properties: {
        region: "${params.region}",
        instance_type: "${params.instance_type}",
        image: "debian-12",
        subnet: "${resources.subnet.id}",
        disk_gb: "${params.disk_gb}",
      },
    },
  ] as typeof document.spec.resources;
  document.spec.outputs = [{ name: "ip", value: "${resources.boxes[0].private_ip}", sensitive: false }] as typeof document.spec.outputs;
  document.spec.policy.onFailure = onFailure;
  return stringify(document);
}

beforeAll(async () => {
  ({ db } = await createTestDatabase());
  engine = createSimEngine({ db, config: quietSimConfig });
  const admin = await callerFor(db, (await makeUser(db, { globalRole: "admin" })).id);
  for (const policy of ["cleanup", "keep"] as const) {
    const name = uniqueTemplateName(`faults-${policy}`);
    const draft = await admin.templateAdmin.createDraft({ yaml: boxesTemplate(name, policy) });
    expect(draft.issueCount).toBe(0);
    await admin.templateAdmin.publish({ versionId: draft.versionId, expectedLockVersion: draft.lockVersion });
    templates[policy] = name;
  }
  const user = await makeUser(db);
  teamId = (await makeTeam(db, [{ userId: user.id, role: "member" }])).id;
  dev = await callerFor(db, user.id);
});

beforeEach(async () => {
  await engine.cloud.resetConfig();
});

afterAll(async () => {
  await engine.cloud.resetConfig();
});

async function submit(policy: "cleanup" | "keep" = "cleanup", parameters: Record<string, unknown> = {}): Promise<string> {
  const { id, status } = await dev.requests.submit({
    teamId,
    templateName: templates[policy],
    tier: "dev",
    environmentName: `faults-${randomUUID().slice(0, 6)}`,
    ttlHours: 24,
    parameters: { region: "us-east-1", boxes: 2, ...parameters },
    justification: "Runner fault injection test",
    clientRequestId: randomUUID(),
  });
  expect(status).toBe("queued");
  return id;
}

/** Fails the test instead of hanging it when a run does not finish in time. */
async function within<T>(ms: number, promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`the run did not finish within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

type Provisioned = { runId: string; environmentId: string; outcome: Awaited<ReturnType<typeof executeRun>> };

async function provision(requestId: string, options: Partial<RunnerOptions> & { engine?: Engine; timeoutMs?: number } = {}): Promise<Provisioned> {
  const runId = await startApply(db, requestId);
  expect(runId).not.toBeNull();
  const using = options.engine ?? engine;
  const outcome = await within(
    options.timeoutMs ?? 60_000,
    executeRun(db, runId!, { workerId: "faults-test", engines: () => using, retry: fast, ...options }),
  );
  const [environment] = await db.select().from(environments).where(eq(environments.requestId, requestId));
  return { runId: runId!, environmentId: environment!.id, outcome };
}

async function logOf(runId: string): Promise<string[]> {
  const rows = await db.select({ message: runEvents.message }).from(runEvents).where(eq(runEvents.runId, runId)).orderBy(runEvents.id);
  return rows.map((r) => r.message);
}

async function stateOf(environmentId: string) {
  const [environment] = await db.select().from(environments).where(eq(environments.id, environmentId));
  const [request] = await db.select().from(requests).where(eq(requests.id, environment!.requestId));
  const [run] = await db.select().from(runs).where(eq(runs.environmentId, environmentId));
  const rows = await db
    .select()
    .from(environmentResources)
    .where(eq(environmentResources.environmentId, environmentId))
    .orderBy(environmentResources.createdAt);
  const live = await engine.cloud.inventory({ tags: { "environment-id": environmentId } });
  return { environment: environment!, request: request!, run: run!, rows, live };
}

/**
 * The portal and the simulator agree: one live resource per idempotency key, each tracked by a
 * record that is not deleted, every ready record backed by its live resource, no run still
 * active, and the orphan sweep finds nothing of this environment.
 */
async function expectConsistent(environmentId: string) {
  const { rows, live } = await stateOf(environmentId);
  expect(new Set(live.map((r) => r.idempotencyKey)).size, "a duplicate in the simulator").toBe(live.length);
  for (const resource of live) {
    expect(
      rows.find((row) => row.idempotencyKey === resource.idempotencyKey && row.status !== "deleted"),
      `${resource.type} ${resource.id} (${resource.idempotencyKey}) is not tracked`,
    ).toBeDefined();
  }
  for (const row of rows.filter((r) => r.status === "ready"))
    expect(
      live.map((r) => r.id),
      `${row.address} is ready but gone`,
    ).toContain(row.providerId);
  const active = await db
    .select()
    .from(runs)
    .where(and(eq(runs.environmentId, environmentId), inArray(runs.status, ["queued", "running"])));
  expect(active).toEqual([]);
  expect((await findOrphans(db, engine.cloud, { graceMs: 0 })).filter((o) => o.environmentId === environmentId)).toEqual([]);
}

/** A deterministic random source (mulberry32), so a fault rate gives the same run every time. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** The engine with something done after the n-th apply returned (or instead of returning). */
function afterApply(n: number, hook: (result: Awaited<ReturnType<Engine["apply"]>>) => Promise<void> | void): Engine {
  let applied = 0;
  return {
    ...engine,
    name: engine.name,
    plan: engine.plan,
    read: (ctx) => engine.read(ctx),
    destroy: (ctx, resource) => engine.destroy(ctx, resource),
    async apply(ctx, desired, existing) {
      const result = await engine.apply(ctx, desired, existing);
      if (++applied === n) await hook(result);
      return result;
    },
  };
}

describe("transient faults", () => {
  it("retries a flaky cloud (failed and lost create answers) to a ready environment with nothing created twice", async () => {
    const flaky = createSimEngine({ db, config: quietSimConfig, random: seeded(7) });
    const requestId = await submit("cleanup", { boxes: 3 });
    await flaky.cloud.configure({ faults: { errorRate: { create: 0.4 }, lostResponseRate: { create: 0.25 } } });
    const { runId, environmentId, outcome } = await provision(requestId, { engine: flaky, retry: { attempts: 12, baseMs: 1, maxMs: 5 } });
    expect(outcome).toBe("succeeded");

    const { environment, request, run, rows, live } = await stateOf(environmentId);
    expect(environment).toMatchObject({ status: "ready", failureSummary: null });
    expect(request.status).toBe("ready");
    expect(run).toMatchObject({ status: "succeeded", error: null });
    expect(rows.map((r) => [r.address, r.status])).toEqual([
      ["net", "ready"],
      ["subnet", "ready"],
      ["boxes[0]", "ready"],
      ["boxes[1]", "ready"],
      ["boxes[2]", "ready"],
    ]);
    // Exactly what is tracked, once each: the lost answers were adopted, not made again.
    expect(live).toHaveLength(rows.length);
    expect(new Set(live.map((r) => r.id))).toEqual(new Set(rows.map((r) => r.providerId)));
    const log = await logOf(runId);
    expect(log).toContainEqual(
      expect.stringMatching(/internal error while handling create \(injected fault, rate 0\.4\); try again: retrying in \d+ ms \(attempt 2\)/),
    );
    expect(log).toContainEqual(expect.stringMatching(/the create request timed out after it took effect .*: retrying in \d+ ms/));
    expect(log).toContainEqual(expect.stringMatching(/adopted .*, made by an earlier attempt/));
    await expectConsistent(environmentId);
  });

  it("rides out a mild rate-limit storm, honouring retry-after", async () => {
    const requestId = await submit("cleanup");
    await engine.cloud.configure({ rateLimit: { perSecond: 20, burst: 1 } });
    // An empty bucket that refills only from a moment in the future: the first call is refused however slow the machine is.
    await db.execute(sql`insert into sim_rate_limits (account, tokens, updated_at) values (${engine.cloud.account}, 0, clock_timestamp() + interval '5 seconds')
      on conflict (account) do update set tokens = 0, updated_at = excluded.updated_at`);
    const { runId, environmentId, outcome } = await provision(requestId, { retry: { attempts: 8, baseMs: 1, maxMs: 200 } });
    expect(outcome).toBe("succeeded");
    expect(await logOf(runId)).toContainEqual(expect.stringMatching(/rate limit exceeded for account .*\(20\/s, burst 1\).*: retrying in \d+ ms/));
    const { rows, live } = await stateOf(environmentId);
    expect(live).toHaveLength(4);
    expect(rows.every((r) => r.status === "ready")).toBe(true);
    await expectConsistent(environmentId);
  });

  it("fails a severe rate-limit storm quickly with a clear message, however long the cloud asks to wait", async () => {
    const requestId = await submit("cleanup");
    // One token, then one every 20 s: every later call is told to come back in ~20 s.
    await engine.cloud.configure({ rateLimit: { perSecond: 0.05, burst: 1 } });
    const { runId, environmentId, outcome } = await provision(requestId);
    expect(outcome).toBe("failed");
    // Quickly: no retry waited the ~20 s the cloud asked for, each stayed within the retry policy's cap.
    const waits = (await logOf(runId)).flatMap((m) => /: retrying in (\d+) ms/.exec(m)?.[1] ?? []).map(Number);
    expect(waits.length).toBeGreaterThan(0);
    expect(Math.max(...waits)).toBeLessThanOrEqual(fast.maxMs);

    const { environment, run, rows, live } = await stateOf(environmentId);
    expect(run.status).toBe("failed");
    expect(run.error).toMatch(/^subnet: rate limit exceeded for account \S+ \(0\.05\/s, burst 1\); retry after \d+ ms$/);
    // Issue 16: the cause, and every retry counted as a rate-limit answer.
    expect(run).toMatchObject({ failureCause: "rate_limit", retries: waits.length, rateLimitResponses: waits.length });
    expect(environment.status).toBe("failed");
    expect(environment.failureSummary).toMatch(/rate limit exceeded.*\. Cleaned up: \d of 2 resources destroyed\.$/);
    // The network was made with the only token; cleanup could not delete it under the same
    // storm, so it stays tracked (failed), never silently dropped.
    expect(live.map((r) => r.type)).toEqual(["network"]);
    expect(rows.find((r) => r.address === "net")).toMatchObject({ status: "failed", providerId: live[0]?.id });
    expect(await logOf(runId)).toContainEqual(expect.stringMatching(/^Could not destroy net: net: rate limit exceeded/));
    await expectConsistent(environmentId);
  });

  it("fails on a region outage once the retries are spent, naming the outage", async () => {
    const requestId = await submit("cleanup");
    await engine.cloud.configure({ faults: { regionOutages: ["us-east-1"] } });
    const { runId, environmentId, outcome } = await provision(requestId);
    expect(outcome).toBe("failed");
    const { environment, run, rows, live } = await stateOf(environmentId);
    expect(run.error).toBe("net: region us-east-1 is unavailable (simulated outage); try again later");
    expect(run).toMatchObject({ failureCause: "outage", retries: fast.attempts - 1, rateLimitResponses: 0 });
    expect(environment).toMatchObject({
      status: "failed",
      failureSummary: expect.stringContaining("region us-east-1 is unavailable (simulated outage)"),
    });
    const log = await logOf(runId);
    expect(log.filter((m) => /region us-east-1 is unavailable.*: retrying in/.test(m))).toHaveLength(fast.attempts - 1);
    expect(live).toEqual([]);
    expect(rows.every((r) => r.status === "deleted")).toBe(true);
    await expectConsistent(environmentId);
  });

  it("keeps track of what it made when the region goes down half way, and cleanup cannot reach it", async () => {
    const requestId = await submit("cleanup");
    const outage = afterApply(1, async () => {
      await engine.cloud.configure({ faults: { regionOutages: ["us-east-1"] } });
    });
    const { environmentId, outcome } = await provision(requestId, { engine: outage });
    expect(outcome).toBe("failed");
    const { environment, rows, live } = await stateOf(environmentId);
    expect(environment.failureSummary).toMatch(/^subnet: region us-east-1 is unavailable .*Cleaned up: 1 of 2 resources destroyed\.$/);
    expect(live.map((r) => r.type)).toEqual(["network"]);
    expect(rows.map((r) => [r.address, r.status])).toEqual([
      ["net", "failed"],
      ["subnet", "deleted"],
    ]);
    await expectConsistent(environmentId);
  });
});

describe("permanent faults and the cleanup policy", () => {
  /** An instance quota that lets exactly one more instance start in the region. */
  async function oneMoreInstance(region: string, config: SimConfigInput = {}) {
    const [usage] = await engine.cloud.quotaUsage({ region });
    await engine.cloud.configure({ ...config, quotas: { [`${engine.cloud.account}/${region}`]: { instances: (usage?.usage.instances ?? 0) + 1 } } });
  }

  it("cleanup: a quota exceeded half way fails the run and destroys everything it created", async () => {
    const requestId = await submit("cleanup", { region: "us-west-2" });
    await oneMoreInstance("us-west-2");
    const { runId, environmentId, outcome } = await provision(requestId);
    expect(outcome).toBe("failed");

    const { environment, request, run, rows, live } = await stateOf(environmentId);
    expect(run).toMatchObject({
      status: "failed",
      error: expect.stringMatching(/^boxes\[1\]: instance quota exceeded for account \S+ in us-west-2: the limit is \d+/),
    });
    expect(request.status).toBe("failed");
    expect(environment.status).toBe("failed");
    expect(environment.failureSummary).toMatch(/instance quota exceeded .*\. Cleaned up: 4 of 4 resources destroyed\.$/);
    expect(live).toEqual([]);
    expect(rows.map((r) => [r.address, r.status])).toEqual([
      ["net", "deleted"],
      ["subnet", "deleted"],
      ["boxes[0]", "deleted"],
      ["boxes[1]", "deleted"],
    ]);
    const log = await logOf(runId);
    // Permanent: not retried.
    expect(log.some((m) => m.includes("quota exceeded") && m.includes("retrying"))).toBe(false);
    expect(log).toEqual(
      expect.arrayContaining(["Cleaning up 4 resources (template policy: cleanup)", "Destroyed boxes[0]", "Destroyed subnet", "Destroyed net"]),
    );
    await expectConsistent(environmentId);
  });

  it("keep: a quota exceeded half way fails the run and keeps what it created for debugging", async () => {
    const requestId = await submit("keep", { region: "eu-central-1" });
    await oneMoreInstance("eu-central-1");
    const { environmentId, outcome } = await provision(requestId);
    expect(outcome).toBe("failed");

    const { environment, run, rows, live } = await stateOf(environmentId);
    expect(run.error).toMatch(/^boxes\[1\]: instance quota exceeded/);
    expect(run.failureCause).toBe("quota");
    expect(environment).toMatchObject({ status: "failed", onFailure: "keep" });
    expect(environment.failureSummary).toMatch(/instance quota exceeded .*\. Kept for debugging: \d+ resources \(template policy: keep\)\.$/);
    expect(live.map((r) => r.idempotencyKey).sort()).toEqual([`${environmentId}/boxes[0]`, `${environmentId}/net`, `${environmentId}/subnet`]);
    expect(rows.filter((r) => r.status === "ready").map((r) => r.address)).toEqual(["net", "subnet", "boxes[0]"]);
    await expectConsistent(environmentId);
  });

  it("fails clearly on an answer that makes no sense, and cleans up what the confused call made", async () => {
    const requestId = await submit("cleanup");
    await engine.cloud.configure({ faults: { malformedRate: { create: 1 } } });
    const { runId, environmentId, outcome } = await provision(requestId);
    expect(outcome).toBe("failed");
    const { environment, run, rows, live } = await stateOf(environmentId);
    expect(run.error).toMatch(/^net: the simulator answered something that makes no sense \(.+\)$/);
    expect(environment.failureSummary).toMatch(/makes no sense .*Cleaned up: 1 of 1 resources destroyed\.$/);
    // The create took effect before its answer was garbled: cleanup found it by its key.
    expect(await engine.cloud.inventory({ tags: { "environment-id": environmentId }, includeDeleted: true })).toHaveLength(1);
    expect(live).toEqual([]);
    expect(rows.map((r) => [r.address, r.status])).toEqual([["net", "deleted"]]);
    expect((await logOf(runId)).some((m) => m.includes("makes no sense") && m.includes("retrying"))).toBe(false);
    await expectConsistent(environmentId);
  });

  it("never drops a resource whose create answer was lost when the inventory cannot be read during cleanup", async () => {
    const requestId = await submit("cleanup");
    await engine.cloud.configure({ faults: { lostResponseRate: { create: 1 }, errorRate: { list: 1 } } });
    const { environmentId, outcome } = await provision(requestId);
    expect(outcome).toBe("failed");
    const { environment, run, rows, live } = await stateOf(environmentId);
    expect(run.error).toMatch(/^net: the create request timed out after it took effect/);
    expect(environment.failureSummary).toMatch(/Cleaned up: 1 of 1 resources destroyed\.$/);
    expect(live).toEqual([]);
    expect(rows.map((r) => [r.address, r.status])).toEqual([["net", "deleted"]]);
    await expectConsistent(environmentId);
  });

  it("fails a plan whose resources refer to each other in a loop, creating nothing", async () => {
    const requestId = await submit("cleanup");
    // Validation refuses such a template; a plan row written by something else must still end cleanly.
    const [request] = await db.select().from(requests).where(eq(requests.id, requestId));
    const plan = structuredClone(request!.plan) as Plan;
    const net = plan.resources.find((r) => r.address === "net")!;
    net.properties = { ...net.properties, peer: { $ref: "resources.boxes[1].id" } };
    await db.update(requests).set({ plan }).where(eq(requests.id, requestId));

    const { runId, environmentId, outcome } = await provision(requestId);
    expect(outcome).toBe("failed");
    const { environment, run, rows, live } = await stateOf(environmentId);
    expect(run.error).toBe("resources refer to each other in a loop: net → boxes[0] → subnet → net");
    expect(environment).toMatchObject({ status: "failed", failureSummary: expect.stringContaining("resources refer to each other in a loop") });
    expect(rows).toEqual([]);
    expect(live).toEqual([]);
    expect((await logOf(runId)).some((m) => m.startsWith("Creating"))).toBe(false);
    await expectConsistent(environmentId);
  });
});

describe("a run handed back by a stopping worker", () => {
  it("resumes on the next call and adopts what the cloud made before the stop, creating nothing twice", async () => {
    const requestId = await submit("cleanup");
    const stopping = new AbortController();
    // The second resource is made in the cloud, then the worker stops before it records the answer.
    const interrupted = afterApply(2, () => {
      stopping.abort(new Error("worker received SIGTERM"));
      throw stopping.signal.reason as Error;
    });
    const { runId, environmentId, outcome } = await provision(requestId, { engine: interrupted, signal: stopping.signal });
    expect(outcome).toBe("handed_back");

    const [handedBack] = await db.select().from(runs).where(eq(runs.id, runId));
    expect(handedBack).toMatchObject({ status: "queued", workerId: null, attempts: 1 });
    const jobs = await db.execute<{ n: number }>(
      sql`select count(*)::int as n from graphile_worker.jobs where task_identifier = 'recover_run' and key = ${`resume:${runId}`}`,
    );
    expect(jobs.rows[0]?.n).toBe(1);
    const before = await stateOf(environmentId);
    expect(before.rows.map((r) => [r.address, r.status])).toEqual([
      ["net", "ready"],
      ["subnet", "creating"],
    ]);
    expect(before.live.map((r) => r.type)).toEqual(["network", "subnet"]);
    expect(await logOf(runId)).toContain("Worker is shutting down: run handed back, it resumes on the next worker");

    expect(await within(15_000, executeRun(db, runId, { workerId: "faults-test-2", engines: () => engine, retry: fast }))).toBe("succeeded");
    const after = await stateOf(environmentId);
    expect(after.run).toMatchObject({ status: "succeeded", attempts: 2 });
    expect(after.environment.status).toBe("ready");
    expect(after.rows.every((r) => r.status === "ready")).toBe(true);
    expect(after.live).toHaveLength(4);
    // The subnet the first worker made is the one the environment has.
    expect(after.rows.find((r) => r.address === "subnet")?.providerId).toBe(before.live[1]?.id);
    const log = await logOf(runId);
    expect(log).toContainEqual(expect.stringMatching(/^Resuming apply \(attempt 2\) on faults-test-2/));
    expect(log).toContain("Plan: 4 resources, 1 already created");
    expect(log).toContainEqual(expect.stringMatching(/^subnet: adopted subnet-[0-9a-f]+, made by an earlier attempt$/));
    expect(log.filter((m) => m.startsWith("Creating net"))).toHaveLength(1);
    await expectConsistent(environmentId);
  });

  it("leaves no listener on the worker's shutdown signal once runs finish", async () => {
    const shutdown = new AbortController();
    for (let i = 0; i < 3; i++) {
      const { outcome } = await provision(await submit("cleanup", { boxes: 1 }), { signal: shutdown.signal });
      expect(outcome).toBe("succeeded");
    }
    expect(getEventListeners(shutdown.signal, "abort")).toHaveLength(0);
  });
});
