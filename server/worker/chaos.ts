/**
 * The chaos harness (chaos.test.ts in `npm test`, bench/chaos.bench.ts in `npm run bench`):
 * many sim environments applied (and some destroyed once ready) by real worker processes while
 * one of them is SIGKILLed at seeded random points and restarted each time. At the end it
 * checks what a crash must never cause, against the simulator's own tables (its admin API):
 * - every environment reached its final state (ready, or destroyed when a destroy was asked);
 * - the cloud holds exactly what our records say (live resources == ready rows);
 * - no duplicates (two cloud resources ever made for one idempotency key), no orphans (tagged
 *   resources with no record), each request provisioned once (one environment, one apply);
 * - no job lock of a killed worker is left behind;
 * and measures each interrupted run's recovery time: from the kill to another worker resuming it.
 */
import { randomUUID } from "node:crypto";
import path from "node:path";
import { and, count, eq, inArray, sql } from "drizzle-orm";
import type { Database } from "~/db/client";
import { environmentResources, environments, memberships, requests, runEvents, runs, teams, users } from "~/db/schema";
import { createSimEngine } from "~/server/engines/sim/engine";
import { scanForOrphans } from "~/server/runner/orphans";
import { destroyEnvironment } from "~/server/services/environments";
import { submitRequest } from "~/server/services/requests";
import { syncTemplates } from "~/server/services/template-sync";
import { loadViewer } from "~/server/services/users";
import { hasStarted, startWorkerProcess, waitUntilStarted, type WorkerProcess } from "./test-support";

export type ChaosOptions = {
  db: Database;
  databaseUrl: string;
  /** Sim environments (web-service, dev tier: approved at once). */
  environments: number;
  /** Share of them destroyed as soon as they are ready. */
  destroyShare: number;
  /** SIGKILLs, each restarted at once. */
  kills: number;
  seed: number;
  /** Worker processes side by side (one killed at a time, while another is up to take over). Default 3. */
  workers?: number;
  workerConcurrency?: number;
  staleMs?: number;
  heartbeatMs?: number;
  /** Per simulator call: base + uniform jitter (what makes a kill land mid-call). */
  latency?: { baseMs: number; jitterMs: number };
  /** Overall limit; a harness that cannot finish says where it stood. */
  timeoutMs?: number;
  log?: (line: string) => void;
  /** Another checkout's worker to run (a before/after comparison). */
  workerRoot?: string;
  /** The workers' own log (LOG_LEVEL `workerLogLevel`, default warn); default: stderr only. */
  onWorkerOutput?: (chunk: string) => void;
  workerLogLevel?: string;
};

export type KillPoint = {
  index: number;
  atMs: number;
  victim: string;
  afterRunEvents: number;
  /** What the killed worker held: kind, environment and how far it had got. */
  holding: { runId: string; kind: string; environment: string; done: number; total: number }[];
};

export type Recovery = { kill: number; runId: string; kind: string; environment: string; ms: number; by: string };

export type ChaosReport = {
  seed: number;
  durationMs: number;
  killPoints: KillPoint[];
  recoveries: Recovery[];
  /** Interrupted runs that never resumed (the harness gave up on them). */
  unrecovered: { kill: number; runId: string }[];
  recoveryMs: { count: number; min: number; median: number; max: number } | null;
  environments: { total: number; ready: number; destroyed: number; other: { name: string; status: string }[] };
  cloud: { live: number; recorded: number; missing: string[]; untracked: string[] };
  duplicates: { idempotencyKey: string; resources: number }[];
  orphans: string[];
  provisionedOnceViolations: string[];
  /** Jobs still locked by a killed worker's runners at the end. */
  locksLeftByKilledWorkers: number;
};

/** A small seeded generator (mulberry32): the same seed gives the same kill points. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const quantile = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
/** The line each run kind writes when a worker starts (or resumes) it, ending with that worker's id. */
const startLine = /^(Apply started|Resuming apply \(attempt \d+\)|Destroy started|Update started|Resuming update \(attempt \d+\)) on (\S+)$/;

export async function runChaos(options: ChaosOptions): Promise<ChaosReport> {
  const { db } = options;
  const log = options.log ?? (() => undefined);
  const random = seededRandom(options.seed);
  const staleMs = options.staleMs ?? 2_000;
  const deadline = Date.now() + (options.timeoutMs ?? 240_000);
  const started = Date.now();
  const elapsed = () => ((Date.now() - started) / 1000).toFixed(1);
  const checkDeadline = (what: string) => {
    if (Date.now() > deadline) throw new Error(`chaos (seed ${options.seed}) timed out ${what}`);
  };

  // The cloud: slow enough that kills land mid-call, no other fault (crashes are the subject).
  await syncTemplates(db, path.resolve(import.meta.dirname, "../../templates"));
  const cloud = createSimEngine({ db }).cloud;
  await cloud.configure({
    latency: options.latency ?? { baseMs: 60, jitterMs: 60 },
    bootDelayMs: { nat_gateway: 0, load_balancer: 0, instance_group: 0, instance: 0 },
    rateLimit: null,
    quotas: { "*": { vcpus: 1_000_000, instances: 1_000_000, gpus: 1_000 } },
  });
  const tag = options.seed.toString(36);
  const [user] = await db
    .insert(users)
    .values({ email: `chaos-${tag}-${Date.now()}@example.test`, name: "Chaos" })
    .returning();
  const [team] = await db
    .insert(teams)
    .values({ slug: `chaos-${tag}-${Date.now()}`, name: "Chaos", costCenter: "CC-CHAOS", monthlyBudgetCents: 1_000_000_000 })
    .returning();
  await db.insert(memberships).values({ teamId: team!.id, userId: user!.id, role: "member" });
  const viewer = (await loadViewer(db, user!.id))!;

  // The workload: every request at once (a backlog well beyond the workers' slots), topped up
  // should it run out before every kill has happened (a fast machine).
  const workloadRandom = seededRandom(options.seed ^ 0x5bd1e995);
  const destroyNames = new Set<string>();
  const requestIds: string[] = [];
  const submit = async () => {
    const name = `chaos-${String(requestIds.length).padStart(2, "0")}`;
    if (workloadRandom() < options.destroyShare) destroyNames.add(name);
    const { id } = await submitRequest(db, viewer, {
      teamId: team!.id,
      templateName: "web-service",
      tier: "dev",
      environmentName: name,
      ttlHours: 24,
      parameters: { service_name: `svc-${name}` },
      justification: "Chaos: workers are killed while this is applied",
      clientRequestId: randomUUID(),
    });
    requestIds.push(id);
  };
  for (let i = 0; i < options.environments; i++) await submit();
  const workers = options.workers ?? 3;
  log(
    `chaos seed ${options.seed}: ${options.environments} environments (${destroyNames.size} destroyed once ready), ${workers} workers, ${options.kills} kills, PROVISIO_RUN_STALE_MS=${staleMs}`,
  );

  const workerEnv = {
    WORKER_CONCURRENCY: String(options.workerConcurrency ?? 2),
    PROVISIO_RUN_STALE_MS: String(staleMs),
    PROVISIO_RUN_HEARTBEAT_MS: String(options.heartbeatMs ?? Math.max(50, Math.floor(staleMs / 5))),
    PROVISIO_ORPHAN_SWEEP: "off",
    LOG_LEVEL: options.workerLogLevel ?? "warn",
  };
  const onOutput = options.onWorkerOutput;
  const spawn = () =>
    startWorkerProcess({
      databaseUrl: options.databaseUrl,
      env: workerEnv,
      root: options.workerRoot,
      onOutput: onOutput && ((chunk) => onOutput(chunk)),
    });
  const slots: WorkerProcess[] = Array.from({ length: workers }, spawn);
  const killedPools: string[] = [];
  const killPoints: KillPoint[] = [];
  const recoveries: Recovery[] = [];
  const watching: Promise<void>[] = [];
  const unrecovered: { kill: number; runId: string }[] = [];

  // Destroys, as soon as a chosen environment is ready (a user clicking Destroy).
  let driving = true;
  const destroyed = new Set<string>();
  const driver = (async () => {
    while (driving) {
      const ready = await db
        .select({ id: environments.id, name: environments.name, version: environments.version })
        .from(environments)
        .where(and(eq(environments.teamId, team!.id), eq(environments.status, "ready")));
      for (const e of ready) {
        if (!destroyNames.has(e.name) || destroyed.has(e.id)) continue;
        destroyed.add(e.id);
        await destroyEnvironment(db, viewer, { environmentId: e.id, confirmName: e.name, expectedVersion: e.version });
      }
      await sleep(100);
    }
  })();

  const eventCount = async () => (await db.select({ n: count() }).from(runEvents))[0]!.n;
  const holdings = async (workerId: string) =>
    (
      await db.execute<{ id: string; kind: string; name: string; attempts: number; done: number; total: number }>(sql`
        select r.id, r.kind::text as kind, e.name, r.attempts,
          (select count(*)::int from ${environmentResources} x where x.environment_id = e.id and x.status in ('ready', 'deleted')) as done,
          (select count(*)::int from ${environmentResources} x where x.environment_id = e.id) as total
        from ${runs} r join ${environments} e on e.id = r.environment_id
        where r.status = 'running' and r.worker_id = ${workerId}`)
    ).rows;
  const finished = () => allFinal(db, team!.id, requestIds.length, destroyNames);

  /**
   * Waits for another worker to take the run over (its attempt goes up) and records how long
   * after the kill: the new holder's start line when it reached the log (its own clock), else
   * the moment the claim was seen (a holder killed in turn may not have flushed its line).
   */
  const watch = async (kill: number, killedAt: number, run: { id: string; kind: string; name: string; attempts: number }) => {
    while (Date.now() < deadline) {
      const [now] = await db.select({ attempts: runs.attempts, workerId: runs.workerId, status: runs.status }).from(runs).where(eq(runs.id, run.id));
      if (now && now.attempts > run.attempts) {
        const seenAt = Date.now();
        const lines = await db
          .select({ at: runEvents.at, message: runEvents.message })
          .from(runEvents)
          .where(and(eq(runEvents.runId, run.id), sql`${runEvents.at} >= ${new Date(killedAt)}`))
          .orderBy(runEvents.id);
        const line = lines.find((l) => startLine.exec(l.message)?.[2] === now.workerId);
        const ms = (line ? line.at.getTime() : seenAt) - killedAt;
        const by = now.workerId ?? `(${now.status})`;
        recoveries.push({ kill, runId: run.id, kind: run.kind, environment: run.name, ms, by });
        log(`  kill ${kill}: ${run.kind} ${run.name} resumed ${(ms / 1000).toFixed(2)} s after the kill, on ${by}`);
        return;
      }
      await sleep(50);
    }
    unrecovered.push({ kill, runId: run.id });
  };

  // A web-service apply writes about 3 run events per resource (8 resources), a destroy about 1.5.
  const spacing = (options.environments * 24 + destroyNames.size * 12) / (options.kills + 1);
  try {
    await waitUntilStarted(db, slots[0]!, deadline - Date.now());
    let mark = await eventCount();
    for (let kill = 1; kill <= options.kills; kill++) {
      // A random amount of progress (spread so the kills cover the workload), then a random
      // worker that holds runs, while another one is up to take them over.
      const gap = Math.max(1, Math.round(spacing * (0.2 + random() * 1.2)));
      const jitterMs = Math.floor(random() * 250);
      const pick = random();
      let victim: WorkerProcess | null = null;
      while (!victim) {
        checkDeadline(`waiting for kill point ${kill}`);
        const up: WorkerProcess[] = [];
        for (const w of slots) if (await hasStarted(db, w)) up.push(w);
        if (up.length >= 2 && (await eventCount()) >= mark + gap) {
          const busy: WorkerProcess[] = [];
          for (const w of up) if ((await holdings(w.workerId!)).length) busy.push(w);
          if (busy.length) {
            await sleep(jitterMs);
            victim = busy[Math.floor(pick * busy.length)]!;
            break;
          }
        }
        if (await finished()) {
          await submit();
          await submit();
          log(`the workload ran out before kill ${kill}: 2 more environments (${requestIds.length} in all)`);
        }
        await sleep(25);
      }
      const killedAt = Date.now();
      await victim.kill();
      const held = await holdings(victim.workerId!);
      killedPools.push(...victim.graphileWorkerIds);
      const afterRunEvents = (await eventCount()) - mark;
      const point: KillPoint = {
        index: kill,
        atMs: killedAt - started,
        victim: victim.workerId!,
        afterRunEvents,
        holding: held.map((h) => ({ runId: h.id, kind: h.kind, environment: h.name, done: h.done, total: h.total })),
      };
      killPoints.push(point);
      log(
        `kill ${kill} at +${elapsed()} s: SIGKILL ${victim.workerId} after ${afterRunEvents} run events, holding ${point.holding.map((h) => `${h.kind} ${h.environment} (${h.done}/${h.total} resources done)`).join(", ") || "nothing"}`,
      );
      for (const h of held) watching.push(watch(kill, killedAt, h));
      slots[slots.indexOf(victim)] = spawn();
      mark = await eventCount();
    }

    while (!(await finished())) {
      checkDeadline("waiting for every environment to reach its final state");
      await sleep(100);
    }
    await Promise.all(watching);
  } finally {
    driving = false;
    await driver.catch(() => undefined);
    // A clean stop: each live worker finishes or hands back, and releases its locks.
    await Promise.all(slots.map((w) => w.stop()));
  }

  const report = await checkAfterCrashes(db, { teamId: team!.id, requestIds, destroyNames, killedPools });
  log(`run events written: ${await eventCount()}`);
  const times = recoveries.map((r) => r.ms).sort((a, b) => a - b);
  return {
    seed: options.seed,
    durationMs: Date.now() - started,
    killPoints,
    recoveries,
    unrecovered,
    recoveryMs: times.length ? { count: times.length, min: times[0]!, median: quantile(times, 0.5), max: times.at(-1)! } : null,
    ...report,
  };
}

export type CrashCheck = Pick<
  ChaosReport,
  "environments" | "cloud" | "duplicates" | "orphans" | "provisionedOnceViolations" | "locksLeftByKilledWorkers"
>;

/**
 * What crashes must never cause, for a team's requests: every environment in its final state
 * (ready, or destroyed for `destroyNames`), the simulator's inventory (its own tables) equal to
 * our records, no resource made twice for one idempotency key, no orphan, one environment and one
 * apply (and one destroy when asked) per request, no job left locked by a killed worker's pools.
 */
export async function checkAfterCrashes(
  db: Database,
  input: { teamId: string; requestIds: readonly string[]; destroyNames: ReadonlySet<string>; killedPools: readonly string[] },
): Promise<CrashCheck> {
  const { teamId, requestIds, destroyNames, killedPools } = input;
  const cloud = createSimEngine({ db }).cloud;
  const envs = await db.select().from(environments).where(eq(environments.teamId, teamId));
  const want = (name: string) => (destroyNames.has(name) ? "destroyed" : "ready");
  const other = envs.filter((e) => e.status !== want(e.name)).map((e) => ({ name: e.name, status: e.status }));
  const envIds = new Set(envs.map((e) => e.id));

  // The simulator's own tables (its admin API): top-level resources; pool members have no key of their own.
  const inventory = (await cloud.inventory({ account: null, includeDeleted: true })).filter(
    (r) => r.parentId === null && envIds.has(r.tags["environment-id"] ?? ""),
  );
  const live = inventory.filter((r) => r.deletedAt === null);
  const rows = envIds.size
    ? await db
        .select()
        .from(environmentResources)
        .where(inArray(environmentResources.environmentId, [...envIds]))
    : [];
  const recorded = new Set(rows.filter((r) => r.status === "ready").map((r) => r.providerId ?? `(no provider id) ${r.idempotencyKey}`));
  const liveIds = new Set(live.map((r) => r.id));
  const perKey = new Map<string, number>();
  for (const r of inventory) if (r.idempotencyKey) perKey.set(r.idempotencyKey, (perKey.get(r.idempotencyKey) ?? 0) + 1);
  const orphans = (await scanForOrphans(db, cloud, { graceMs: 0 })).orphans.map((o) => `${o.providerId} (${o.reason})`);

  const violations: string[] = [];
  for (const requestId of requestIds) {
    const own = envs.filter((e) => e.requestId === requestId);
    if (own.length !== 1) violations.push(`request ${requestId}: ${own.length} environments`);
    for (const e of own) {
      const byKind = await db
        .select({ kind: runs.kind, status: runs.status, n: count() })
        .from(runs)
        .where(eq(runs.environmentId, e.id))
        .groupBy(runs.kind, runs.status);
      const applies = byKind.filter((r) => r.kind === "apply");
      if (applies.length !== 1 || applies[0]!.status !== "succeeded" || applies[0]!.n !== 1)
        violations.push(`${e.name}: apply runs ${JSON.stringify(applies)}`);
      const destroys = byKind.filter((r) => r.kind === "destroy");
      const wantDestroys = destroyNames.has(e.name) ? [{ kind: "destroy", status: "succeeded", n: 1 }] : [];
      if (JSON.stringify(destroys) !== JSON.stringify(wantDestroys)) violations.push(`${e.name}: destroy runs ${JSON.stringify(destroys)}`);
    }
  }
  const [requestCount] = await db.select({ n: count() }).from(requests).where(eq(requests.teamId, teamId));
  if (requestCount!.n !== requestIds.length) violations.push(`${requestCount!.n} requests for ${requestIds.length} submitted`);
  const locks = killedPools.length
    ? (
        await db.execute<{ n: number }>(
          sql`select count(*)::int as n from graphile_worker._private_jobs where locked_by = any(${sql.param([...killedPools])}::text[])`,
        )
      ).rows[0]!.n
    : 0;
  return {
    environments: {
      total: envs.length,
      ready: envs.filter((e) => e.status === "ready").length,
      destroyed: envs.filter((e) => e.status === "destroyed").length,
      other,
    },
    cloud: {
      live: live.length,
      recorded: recorded.size,
      missing: [...recorded].filter((id) => !liveIds.has(id)),
      untracked: [...liveIds].filter((id) => !recorded.has(id)),
    },
    duplicates: [...perKey].filter(([, n]) => n > 1).map(([idempotencyKey, resources]) => ({ idempotencyKey, resources })),
    orphans,
    provisionedOnceViolations: violations,
    locksLeftByKilledWorkers: locks,
  };
}

/** Every environment of the team exists and is in its final state (ready, or destroyed when asked), or failed. */
async function allFinal(db: Database, teamId: string, total: number, destroyNames: Set<string>): Promise<boolean> {
  const envs = await db.select({ name: environments.name, status: environments.status }).from(environments).where(eq(environments.teamId, teamId));
  if (envs.length < total) return false;
  return envs.every((e) => e.status === "failed" || e.status === (destroyNames.has(e.name) ? "destroyed" : "ready"));
}

/** The report as the lines the test and the bench print. */
export function describeChaos(report: ChaosReport): string[] {
  const r = report.recoveryMs;
  return [
    `chaos seed: ${report.seed}`,
    `chaos kill points: ${report.killPoints.length} (${report.killPoints.map((k) => `+${(k.atMs / 1000).toFixed(1)}s/${k.holding.length} run${k.holding.length === 1 ? "" : "s"}`).join(", ")})`,
    `chaos recovery ms: ${r ? `n=${r.count} min ${Math.round(r.min)} median ${Math.round(r.median)} max ${Math.round(r.max)}` : "no run was interrupted"}`,
    `chaos environments: ${report.environments.total} (${report.environments.ready} ready, ${report.environments.destroyed} destroyed, ${report.environments.other.length} not as expected)`,
    `chaos cloud == records: ${report.cloud.missing.length === 0 && report.cloud.untracked.length === 0 ? "yes" : "NO"} (${report.cloud.live} live, ${report.cloud.recorded} recorded)`,
    `chaos duplicates: ${report.duplicates.length}`,
    `chaos orphans: ${report.orphans.length}`,
    `chaos provisioned-once violations: ${report.provisionedOnceViolations.length}`,
    `chaos locks left by killed workers: ${report.locksLeftByKilledWorkers}`,
    `chaos unrecovered runs: ${report.unrecovered.length}`,
    `chaos duration: ${(report.durationMs / 1000).toFixed(1)} s`,
  ];
}
