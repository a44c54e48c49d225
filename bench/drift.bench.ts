/**
 * Drift benchmark (`npm run bench`): the cost of drift checks for 1,000 sim environments on a
 * real embedded PostgreSQL. One bastion-host environment is provisioned through the runner, then
 * cloned 999 times (our rows and the simulator's, ids and tags made unique); every environment is
 * made due, queued by the schedule in batches of 200, and each check run executed. Prints checks
 * per second and database statements per check (counted at the pg client). Asserts nothing.
 */
import { randomUUID } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import pg from "pg";
import { runMigrations } from "graphile-worker";
import { eq, sql } from "drizzle-orm";
import { connect, disconnectAll } from "~/db/client";
import { migrateDatabase } from "~/db/migrate";
import { driftChecks, environments } from "~/db/schema";
import { startEmbeddedPostgres } from "~/scripts/lib/embedded-pg";
import { findFreePort } from "~/scripts/lib/ports";
import { quietSimConfig } from "~/server/engines/sim/cloud";
import { createSimEngine } from "~/server/engines/sim/engine";
import { executeRun } from "~/server/runner/execute";
import { startApply } from "~/server/runner/start-apply";
import { queueDueDriftChecks } from "~/server/services/drift";
import { syncTemplates } from "~/server/services/template-sync";
import { callerFor, makeTeam, makeUser } from "~/testing/fixtures";

// Resource secrets are sealed with it.
process.env.NEXTAUTH_SECRET ??= "drift-bench-secret-0123456789";

const ENVIRONMENTS = 1_000;
const root = path.resolve(import.meta.dirname, "..");
const print = (name: string, value: number, unit: string) => console.log(`${name}: ${Number.isInteger(value) ? value : value.toFixed(2)} ${unit}`);

// Every statement any pg client of this process sends.
let statements = 0;
const query = pg.Client.prototype.query;
pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
  statements++;
  return (query as (...a: unknown[]) => unknown).apply(this, args);
} as typeof query;

const dataDir = await mkdtemp(path.join(os.tmpdir(), "provisio-bench-drift-"));
const server = await startEmbeddedPostgres({ dataDir, port: await findFreePort(), database: "provisio", onNotice: () => undefined });
try {
  await migrateDatabase(server.url);
  await runMigrations({ connectionString: server.url });
  const { db } = connect(server.url);
  await syncTemplates(db, path.join(root, "templates"), root);
  const sim = createSimEngine({ db, config: quietSimConfig });
  const owner = await makeUser(db);
  const approverUser = await makeUser(db);
  const teamId = (
    await makeTeam(db, [
      { userId: owner.id, role: "member" },
      { userId: approverUser.id, role: "approver" },
    ])
  ).id;
  const submitted = await (
    await callerFor(db, owner.id)
  ).requests.submit({
    teamId,
    templateName: "bastion-host",
    tier: "staging",
    environmentName: "drift-bench",
    ttlHours: 24,
    parameters: {},
    justification: "Drift bench",
    clientRequestId: randomUUID(),
  });
  if (submitted.status === "pending_approval")
    await (await callerFor(db, approverUser.id)).approvals.decide({ requestId: submitted.id, expectedVersion: 1, decision: "approved", comment: "" });
  const applyRun = await startApply(db, submitted.id);
  if ((await executeRun(db, applyRun!, { workerId: "bench", engines: () => sim })) !== "succeeded")
    throw new Error("the template environment failed");
  const [original] = await db.select().from(environments).where(eq(environments.requestId, submitted.id));

  // 999 clones: request, environment, resource rows, and the simulator's resources with fresh ids and this environment's tags.
  await db.transaction(async (tx) => {
    await tx.execute(
      sql`create temp table clones on commit drop as select gen_random_uuid() as request_id, gen_random_uuid() as environment_id, i from generate_series(2, ${ENVIRONMENTS}) i`,
    );
    await tx.execute(sql`insert into requests (id, kind, team_id, requester_id, template_version_id, environment_name, tier, parameters, ttl_hours, justification, plan,
                          hourly_micros, monthly_cents, over_ttl_cents, month_share_cents, usage, decision, status, client_request_id, submitted_at, decided_at)
      select c.request_id, r.kind, r.team_id, r.requester_id, r.template_version_id, 'drift-bench-' || c.i, r.tier, r.parameters, r.ttl_hours,
             r.justification, r.plan, r.hourly_micros, r.monthly_cents, r.over_ttl_cents, r.month_share_cents, r.usage, r.decision, r.status,
             gen_random_uuid(), r.submitted_at, r.decided_at
      from clones c, requests r where r.id = ${submitted.id}`);
    await tx.execute(sql`insert into environments (id, request_id, team_id, owner_id, template_version_id, name, tier, engine, status, on_failure, outputs, expires_at, ready_at)
      select c.environment_id, c.request_id, e.team_id, e.owner_id, e.template_version_id, 'drift-bench-' || c.i, e.tier, e.engine, e.status,
             e.on_failure, e.outputs, e.expires_at, e.ready_at
      from clones c, environments e where e.id = ${original!.id}`);
    await tx.execute(sql`create temp table sim_ids on commit drop as
      select c.environment_id, s.id as old_id, split_part(s.id, '-', 1) || '-' || substr(md5(random()::text), 1, 17) as new_id
      from clones c, sim_resources s where s.tags->>'environment-id' = ${original!.id} and s.status = 'active'`);
    await tx.execute(sql`insert into sim_resources (id, account, region, type, parent_id, properties, attributes, tags, idempotency_key, status, spot, vcpus, instances, gpus)
      select m.new_id, s.account, s.region, s.type, null, s.properties, jsonb_set(s.attributes, '{id}', to_jsonb(m.new_id)),
             jsonb_set(s.tags, '{environment-id}', to_jsonb(m.environment_id::text)),
             m.environment_id::text || substr(s.idempotency_key, position('/' in s.idempotency_key)), s.status, s.spot, s.vcpus, s.instances, s.gpus
      from sim_ids m join sim_resources s on s.id = m.old_id`);
    await tx.execute(sql`insert into environment_resources (environment_id, address, type, idempotency_key, provider_id, status, properties, attributes, tags, hourly_micros, ready_at)
      select m.environment_id, r.address, r.type, m.environment_id::text || '/' || r.address, m.new_id, r.status, r.properties,
             jsonb_set(r.attributes, '{id}', to_jsonb(m.new_id)), jsonb_set(r.tags, '{environment-id}', to_jsonb(m.environment_id::text)), r.hourly_micros, r.ready_at
      from sim_ids m join environment_resources r on r.provider_id = m.old_id`);
    await tx.execute(sql`update environments set drift_next_check_at = now() - interval '1 second' where status = 'ready'`);
  });

  const started = performance.now();
  const before = statements;
  let checked = 0;
  for (;;) {
    const batch = await queueDueDriftChecks(db, { batch: 200 });
    if (!batch.queued.length) break;
    for (const { runId } of batch.queued) {
      await executeRun(db, runId, { workerId: "bench", engines: () => sim, heartbeatMs: 60_000 });
      checked++;
    }
  }
  const seconds = (performance.now() - started) / 1000;
  const results = await db
    .select({ result: driftChecks.result, n: sql<number>`count(*)::int` })
    .from(driftChecks)
    .groupBy(driftChecks.result);
  print("drift_environments", ENVIRONMENTS, "environments");
  print("drift_checks_run", checked, "checks");
  print("drift_checks_per_second", checked / seconds, "checks/s (one runner, busy machine)");
  print("drift_db_statements_per_check", (statements - before) / Math.max(1, checked), "statements");
  for (const r of results) print(`drift_checks_${r.result}`, r.n, "checks");
} finally {
  await disconnectAll();
  await server.stop();
  await rm(dataDir, { recursive: true, force: true });
}
