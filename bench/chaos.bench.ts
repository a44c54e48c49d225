/**
 * Chaos benchmark (`npm run bench`): the chaos test's scenario, longer. 60 sim environments
 * (some destroyed once ready) applied by three real worker processes on their own embedded
 * PostgreSQL, one worker SIGKILLed at 50 seeded random points and restarted each time. Prints
 * the kill points, the recovery time distribution (kill → another worker resuming the run) and
 * the crash checks (cloud == records, duplicates, orphans, requests provisioned more than once,
 * locks left by killed workers); exits non-zero when a check fails.
 *
 * CHAOS_SEED, CHAOS_KILLS, CHAOS_ENVIRONMENTS and CHAOS_STALE_MS (PROVISIO_RUN_STALE_MS of the
 * workers, default 2000) change the run.
 */
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { runMigrations } from "graphile-worker";
import { connect, disconnectAll } from "~/db/client";
import { migrateDatabase } from "~/db/migrate";
import { startEmbeddedPostgres } from "~/scripts/lib/embedded-pg";
import { findFreePort } from "~/scripts/lib/ports";
import { describeChaos, runChaos } from "~/server/worker/chaos";

const number = (name: string, fallback: number) => (process.env[name] ? Number(process.env[name]) : fallback);
const print = (name: string, value: number, unit: string) => console.log(`${name}: ${Number.isInteger(value) ? value : value.toFixed(1)} ${unit}`);
const quantile = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;

process.env.NEXTAUTH_SECRET ??= "chaos-bench-secret-0123456789";
const seed = number("CHAOS_SEED", Math.floor(Math.random() * 2 ** 31));
const kills = number("CHAOS_KILLS", 50);
const environments = number("CHAOS_ENVIRONMENTS", 60);
const staleMs = number("CHAOS_STALE_MS", 2_000);

const dataDir = await mkdtemp(path.join(os.tmpdir(), "provisio-bench-chaos-"));
const pg = await startEmbeddedPostgres({ dataDir, port: await findFreePort(), database: "provisio", onNotice: () => undefined });
try {
  await migrateDatabase(pg.url);
  await runMigrations({ connectionString: pg.url });
  const { db } = connect(pg.url, 10);
  const report = await runChaos({
    db,
    databaseUrl: pg.url,
    environments,
    destroyShare: 0.4,
    kills,
    seed,
    staleMs,
    latency: { baseMs: 150, jitterMs: 100 },
    timeoutMs: 30 * 60_000,
    log: (line) => console.log(line),
  });
  for (const line of describeChaos(report)) console.log(line);
  const times = report.recoveries.map((r) => r.ms).sort((a, b) => a - b);
  print("chaos_stale_ms", staleMs, "ms");
  print("chaos_kill_points", report.killPoints.length, "kills");
  print("chaos_interrupted_runs", report.recoveries.length + report.unrecovered.length, "runs");
  print("chaos_recovery_ms_min", times[0] ?? NaN, "ms");
  print("chaos_recovery_ms_median", quantile(times, 0.5), "ms");
  print("chaos_recovery_ms_p95", quantile(times, 0.95), "ms");
  print("chaos_recovery_ms_max", times.at(-1) ?? NaN, "ms");
  print("chaos_recovery_over_stale_plus_5s", times.filter((ms) => ms >= staleMs + 5_000).length, "runs");
  print("chaos_environments", report.environments.total, "environments");
  print("chaos_cloud_mismatches", report.cloud.missing.length + report.cloud.untracked.length, "resources");
  print("chaos_duplicates", report.duplicates.length, "keys");
  print("chaos_orphans", report.orphans.length, "resources");
  print("chaos_provisioned_once_violations", report.provisionedOnceViolations.length, "requests");
  print("chaos_locks_left_by_killed_workers", report.locksLeftByKilledWorkers, "jobs");
  print("chaos_duration_s", report.durationMs / 1000, "s");
  const broken = [
    report.environments.other.length && `environments not in their final state: ${JSON.stringify(report.environments.other)}`,
    report.cloud.missing.length + report.cloud.untracked.length && `cloud != records: ${JSON.stringify(report.cloud)}`,
    report.duplicates.length && `duplicates: ${JSON.stringify(report.duplicates)}`,
    report.orphans.length && `orphans: ${report.orphans.join(", ")}`,
    report.provisionedOnceViolations.length && `provisioned more than once: ${report.provisionedOnceViolations.join("; ")}`,
    report.locksLeftByKilledWorkers && `${report.locksLeftByKilledWorkers} jobs still locked by killed workers`,
    report.unrecovered.length && `runs never resumed: ${JSON.stringify(report.unrecovered)}`,
  ].filter(Boolean);
  for (const problem of broken) console.error(`chaos check failed (seed ${seed}): ${problem}`);
  if (broken.length) process.exitCode = 1;
} finally {
  await disconnectAll();
  await pg.stop();
  await rm(dataDir, { recursive: true, force: true });
}
