/**
 * Metrics benchmark (`npm run bench`): how long one scrape of /api/metrics's families takes on a
 * real embedded PostgreSQL holding a busy install (10,000 requests, 9,000 environments, 30,000
 * runs, 200 queued jobs). Prints figures; asserts nothing.
 */
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { runMigrations } from "graphile-worker";
import { sql } from "drizzle-orm";
import { connect, disconnectAll } from "~/db/client";
import { migrateDatabase } from "~/db/migrate";
import { startEmbeddedPostgres } from "~/scripts/lib/embedded-pg";
import { findFreePort } from "~/scripts/lib/ports";
import { createMetrics } from "~/server/observability/metrics";
import { syncTemplates } from "~/server/services/template-sync";

const REQUESTS = 10_000;
const root = path.resolve(import.meta.dirname, "..");
const quantile = (values: number[], q: number) =>
  [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor(q * values.length))] ?? NaN;
const print = (name: string, value: number, unit: string) => console.log(`${name}: ${Number.isInteger(value) ? value : value.toFixed(1)} ${unit}`);

const dataDir = await mkdtemp(path.join(os.tmpdir(), "provisio-bench-metrics-"));
const pg = await startEmbeddedPostgres({ dataDir, port: await findFreePort(), database: "provisio", onNotice: () => undefined });
try {
  await migrateDatabase(pg.url);
  await runMigrations({ connectionString: pg.url });
  const { db } = connect(pg.url);
  await syncTemplates(db, path.join(root, "templates"), root);

  // A busy install: 10 teams; 9 in 10 requests made an environment with an apply, two updates and (for a third) a destroy.
  await db.execute(sql`insert into users (email, name) values ('bench@example.test', 'Bench')`);
  await db.execute(
    sql`insert into teams (slug, name, cost_center, monthly_budget_cents) select 'team-' || i, 'Team ' || i, 'CC', 100000 from generate_series(1, 10) i`,
  );
  await db.execute(sql`
    insert into requests (team_id, requester_id, template_version_id, environment_name, tier, parameters, ttl_hours, justification, plan,
                          hourly_micros, monthly_cents, over_ttl_cents, month_share_cents, usage, decision, status, client_request_id, submitted_at, decided_at)
    select t.id, u.id, v.id, 'env-' || i, (array['dev', 'staging', 'prod'])[1 + i % 3], '{}', 24, 'bench', '{}', 0, 0, 0, 0,
           '{"vcpus":0,"instances":0,"gpus":0}', '{}',
           (case when i % 10 = 0 then 'pending_approval' when i % 3 = 0 then 'destroyed' else 'ready' end)::request_status,
           gen_random_uuid(), now() - make_interval(mins => i), now() - make_interval(mins => i)
    from generate_series(1, ${REQUESTS}) i
    cross join (select id from users limit 1) u
    join lateral (select id from teams order by slug offset i % 10 limit 1) t on true
    join lateral (select id from template_versions order by id offset i % 8 limit 1) v on true`);
  await db.execute(sql`
    insert into environments (request_id, team_id, owner_id, template_version_id, name, tier, engine, status, on_failure, expires_at, destroy_reason)
    select r.id, r.team_id, r.requester_id, r.template_version_id, r.environment_name, r.tier, (array['sim', 'postgres'])[1 + r.number % 2],
           (case when r.status = 'destroyed' then 'destroyed' else 'ready' end)::environment_status, 'cleanup', now() + interval '1 day',
           case when r.status = 'destroyed' then 'expired' end
    from requests r where r.status <> 'pending_approval'`);
  await db.execute(sql`
    insert into runs (environment_id, kind, status, queued_at, started_at, finished_at)
    select e.id, k.kind::run_kind, 'succeeded', e.created_at, e.created_at + make_interval(secs => k.n), e.created_at + make_interval(secs => k.n * 7 + (e.name ~ '7$')::int * 900)
    from environments e cross join (values ('apply', 1), ('update', 2), ('update', 3)) as k(kind, n)`);
  await db.execute(sql`insert into runs (environment_id, kind, status, queued_at, started_at, finished_at)
    select id, 'destroy', 'succeeded', created_at, created_at + interval '1 hour', created_at + interval '1 hour 20 seconds' from environments where status = 'destroyed'`);
  for (let i = 0; i < 200; i++) await db.execute(sql`select graphile_worker.add_job('deliver_webhook', '{}'::json)`);
  await db.execute(sql`analyze`);
  const [counts] = (
    await db.execute(
      sql`select (select count(*) from requests)::int as requests, (select count(*) from environments)::int as environments, (select count(*) from runs)::int as runs`,
    )
  ).rows as {
    requests: number;
    environments: number;
    runs: number;
  }[];
  console.log(`data: ${counts!.requests} requests, ${counts!.environments} environments, ${counts!.runs} runs`);

  const metrics = createMetrics(db);
  const text = await metrics.scrape(); // warm-up
  const times: number[] = [];
  for (let i = 0; i < 30; i++) {
    const started = performance.now();
    await metrics.scrape();
    times.push(performance.now() - started);
  }
  print("metrics_scrape_ms_median", quantile(times, 0.5), "ms");
  print("metrics_scrape_ms_p95", quantile(times, 0.95), "ms");
  print("metrics_exposition_bytes", Buffer.byteLength(text), "bytes");
} finally {
  await disconnectAll();
  await pg.stop();
  await rm(dataDir, { recursive: true, force: true });
}
