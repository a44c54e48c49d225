/**
 * The SLO benchmark's data (issue 16): 20 teams, 20,000 environments spread over 28 days, five
 * runs each (failures with causes, retries), one priced resource each (the trigger opens its cost
 * record) and 2,000 denials. Shared by bench/slo.bench.ts and bench/slo-explain.ts.
 */
import path from "node:path";
import { sql } from "drizzle-orm";
import type { Database } from "~/db/client";
import { debugDashboard } from "~/server/services/slo/debug";
import { executiveDashboard } from "~/server/services/slo/executive";
import { oncallDashboard } from "~/server/services/slo/oncall";
import { listRuns } from "~/server/services/slo/runs-list";
import { sloStatus } from "~/server/services/slo/targets";
import { syncTemplates } from "~/server/services/template-sync";

export const ENVIRONMENTS = 20_000;
export const RUNS_PER_ENVIRONMENT = 5;

/** The SLO rollups' row triggers, off during the bulk load: the rollups are then built in one pass each. */
const rollupTriggers = [
  ["runs", "slo_run_days_insert_delete"],
  ["runs", "slo_provisions_run_insert_delete"],
  ["environments", "slo_provisions_environment_insert_delete"],
  ["environments", "slo_fleet_days_environment_insert_delete"],
  ["cost_records", "slo_fleet_days_cost_insert_delete"],
] as const;

export async function seedSloData(db: Database, root: string): Promise<void> {
  await syncTemplates(db, path.join(root, "templates"), root);
  for (const [table, trigger] of rollupTriggers) await db.execute(sql.raw(`alter table ${table} disable trigger ${trigger}`));
  await db.execute(sql`insert into users (email, name) values ('bench@example.test', 'Bench')`);
  await db.execute(
    sql`insert into teams (slug, name, cost_center, monthly_budget_cents) select 'team-' || i, 'Team ' || i, 'CC', 100000 from generate_series(1, 20) i`,
  );
  // 20,000 create requests over 28 days; 1 in 10 waited for an approval.
  await db.execute(sql`
    insert into requests (team_id, requester_id, template_version_id, environment_name, tier, parameters, ttl_hours, justification, plan,
                          hourly_micros, monthly_cents, over_ttl_cents, month_share_cents, usage, decision, status, client_request_id, submitted_at, decided_at, queued_at)
    select t.id, u.id, v.id, 'env-' || i, (array['dev', 'staging', 'prod'])[1 + i % 3], '{}', 24, 'bench', '{}', 0, 0, 0, 0,
           '{"vcpus":0,"instances":0,"gpus":0}', '{}', (case when i % 3 = 0 then 'destroyed' else 'ready' end)::request_status, gen_random_uuid(),
           now() - make_interval(secs => i * 120), now() - make_interval(secs => i * 120) + make_interval(secs => (i % 10 = 0)::int * 900),
           now() - make_interval(secs => i * 120) + make_interval(secs => (i % 10 = 0)::int * 900)
    from generate_series(1, ${ENVIRONMENTS}) i
    cross join (select id from users limit 1) u
    join lateral (select id from teams order by slug offset i % 20 limit 1) t on true
    join lateral (select id from template_versions order by id offset i % 8 limit 1) v on true`);
  await db.execute(sql`
    insert into environments (request_id, team_id, owner_id, template_version_id, name, tier, engine, status, on_failure, expires_at, ready_at, destroyed_at, created_at)
    select r.id, r.team_id, r.requester_id, r.template_version_id, r.environment_name, r.tier, (array['sim', 'postgres', 'terraform'])[1 + r.number % 3],
           (case when r.status = 'destroyed' then 'destroyed' else 'ready' end)::environment_status, 'cleanup', now() + interval '1 day',
           r.queued_at + make_interval(secs => 30 + r.number % 600), case when r.status = 'destroyed' then r.queued_at + interval '6 hours' end, r.queued_at
    from requests r`);
  // 5 runs per environment: a failed apply (1 in 8, with a cause and retries), the apply, updates, a destroy.
  await db.execute(sql`
    insert into runs (environment_id, kind, status, failure_cause, error, retries, rate_limit_responses, queued_at, started_at, finished_at)
    select e.id, k.kind::run_kind,
           (case when k.n = 0 and e.name ~ '[08]$' then 'failed' else 'succeeded' end)::run_status,
           case when k.n = 0 and e.name ~ '[08]$' then (array['rate_limit', 'quota', 'capacity', 'auth', 'outage', 'template', 'timeout', 'unknown'])[1 + length(e.name) % 8]::failure_cause end,
           case when k.n = 0 and e.name ~ '[08]$' then 'bench failure' end,
           (e.name ~ '[3]$')::int * 2, (e.name ~ '3$')::int,
           e.created_at + make_interval(secs => k.n * 3600), e.created_at + make_interval(secs => k.n * 3600 + 5),
           e.created_at + make_interval(secs => k.n * 3600 + 30 + length(e.name) * 7)
    from environments e cross join (values ('apply', 0), ('apply', 1), ('update', 2), ('update', 3), ('destroy', 4)) as k(kind, n)`);
  // One priced resource per environment: the cost-records trigger opens its record.
  await db.execute(sql`
    insert into environment_resources (environment_id, address, type, idempotency_key, provider_id, status, properties, tags, hourly_micros, ready_at)
    select e.id, 'box', 'instance', e.id || '/box', 'i-' || e.id, 'ready', '{}', '{}', 10000 + (length(e.name) % 5) * 5000, e.ready_at from environments e`);
  await db.execute(sql`insert into slo_denials (team_id, user_id, template_name, tier, stage, rule, at)
    select t.id, u.id, 'postgres-dev', 'dev', (array['preview', 'submit'])[1 + i % 2]::denial_stage, (array['quota', 'budget'])[1 + i % 2]::denial_rule, now() - make_interval(mins => i)
    from generate_series(1, 2000) i cross join (select id from users limit 1) u join lateral (select id from teams order by slug offset i % 20 limit 1) t on true`);
  for (const [table, trigger] of rollupTriggers) await db.execute(sql.raw(`alter table ${table} enable trigger ${trigger}`));
  await db.execute(sql`select slo_run_days_rebuild()`);
  await db.execute(sql`select slo_provisions_refresh(array(select id from environments where ready_at is not null))`);
  await db.execute(sql`select slo_fleet_days_rebuild()`);
  // What autovacuum does soon after a bulk load: without it index-only scans visit the heap for
  // every row, and the figures would shift whenever autovacuum happened to run mid-bench.
  await db.execute(sql`vacuum analyze`);
}

/** The dashboard queries the bench times, as the pages call them. */
export function sloQueries(db: Database, teamId: string, now: Date): Record<string, () => Promise<unknown>> {
  const days = (n: number) => new Date(now.getTime() - n * 86_400_000);
  return {
    slo_executive_28d_all: () => executiveDashboard(db, { teamIds: null, from: days(28), to: now }),
    slo_executive_7d_team: () => executiveDashboard(db, { teamIds: [teamId], from: days(7), to: now }),
    slo_status_all: () => sloStatus(db, { now, teamIds: null }),
    slo_oncall_all: () => oncallDashboard(db, { teamIds: null, now }),
    slo_debug_24h_engine: () => debugDashboard(db, { teamIds: null, from: days(1), to: now, engine: "sim" }),
    slo_debug_7d_template: () => debugDashboard(db, { teamIds: null, from: days(7), to: now, template: "postgres-dev" }),
    slo_runs_failed_28d: () => listRuns(db, { teamIds: null, from: days(28), to: now }, { status: "failed", limit: 200 }),
  };
}
