/**
 * Prometheus metrics, computed from the database at scrape time. Web and worker share nothing
 * but PostgreSQL, so counting there makes the numbers right whichever process (or replica) did
 * the work, and they survive restarts. One query per family, all in one read-only
 * repeatable-read transaction: a scrape costs one connection and sees one consistent snapshot
 * (runs_active and runs_total never disagree about a run that just finished).
 *
 * A private Registry holds the families (nothing else in the process can add to it) plus the
 * scraped process's own process/Node.js metrics when asked for.
 */
import { driftFamilies } from "./drift-metrics";
import { sql, type SQL } from "drizzle-orm";
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from "prom-client";
import type { Database } from "~/db/client";
import { environmentStatus, requestStatus } from "~/db/schema";
import { requestKinds } from "~/db/vocabulary";

/** Apply runs, started → finished: seconds to an hour (a sim environment takes seconds, a real database minutes). */
export const PROVISIONING_BUCKETS = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600] as const;
/** Decision → the worker starting the apply: queue latency, normally well under a second. */
export const APPROVAL_TO_START_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600] as const;
/** A worker whose newest heartbeat is younger than this counts as live (same rule as /api/health). */
const LIVE_WORKER_SECONDS = 30;
const tiers = ["dev", "staging", "prod"] as const;
const queueStates = ["ready", "scheduled", "running", "failed"] as const;

export type Metrics = {
  /** The text exposition (Prometheus 0.0.4). Concurrent calls share one collection. */
  scrape: () => Promise<string>;
  contentType: string;
};

type Labels<L extends string> = Record<L, string>;
type Sample<L extends string> = { labels: Labels<L>; value: number };
/** Runs one statement in the scrape's snapshot. */
type Query = <T extends Record<string, unknown>>(statement: SQL) => Promise<T[]>;
type Load<L extends string> = (query: Query) => Promise<Sample<L>[]>;

/** Every combination of the given label values at 0, so dashboards see a 0 rather than no series. */
function zeroFilled<L extends string>(samples: Sample<L>[], combinations: Labels<L>[]): Sample<L>[] {
  const key = (labels: Labels<L>) => JSON.stringify(Object.entries(labels).sort());
  const seen = new Set(samples.map((s) => key(s.labels)));
  return [...samples, ...combinations.filter((labels) => !seen.has(key(labels))).map((labels) => ({ labels, value: 0 }))];
}

type HistogramSeries<L extends string> = { labels: Labels<L>; cumulative: number[]; count: number; sum: number };

/**
 * A histogram whose buckets come pre-aggregated from SQL. prom-client's Histogram only observes
 * values one at a time, so its export is replaced by one built from the database's cumulative
 * counts (the format is prom-client's: `_bucket{le}`, `_sum`, `_count`).
 */
class DatabaseHistogram<L extends string> extends Histogram<L> {
  private readonly family: { name: string; help: string; buckets: readonly number[] };

  constructor(
    config: { name: string; help: string; labelNames: readonly L[]; buckets: readonly number[]; registry: Registry },
    private readonly load: (query: Query) => Promise<HistogramSeries<L>[]>,
    private readonly snapshot: () => Query,
  ) {
    super({ name: config.name, help: config.help, labelNames: config.labelNames, buckets: [...config.buckets], registers: [config.registry] });
    this.family = { name: config.name, help: config.help, buckets: config.buckets };
  }

  // Called by Registry#metrics (prom-client looks for it before get()).
  async getForPromString() {
    const { name, help, buckets } = this.family;
    const series = await this.load(this.snapshot());
    const values = series.flatMap(({ labels, cumulative, count, sum }) => [
      ...buckets.map((le, i) => ({ metricName: `${name}_bucket`, labels: { ...labels, le }, value: cumulative[i] ?? 0 })),
      { metricName: `${name}_bucket`, labels: { ...labels, le: "+Inf" }, value: count },
      { metricName: `${name}_sum`, labels, value: sum },
      { metricName: `${name}_count`, labels, value: count },
    ]);
    return { name, help, type: "histogram", values, aggregator: "sum" };
  }

  override async get() {
    return (await this.getForPromString()) as unknown as Awaited<ReturnType<Histogram<L>["get"]>>;
  }
}

/**
 * Cumulative bucket counts, sum and count per label combination. PostgreSQL counts the
 * observations per bucket (each row goes to the first bucket whose bound it does not exceed:
 * `le` includes the bound); the running totals are added up here.
 * `source` yields one row per observation: the label columns and `s` (seconds).
 */
async function histogramFromSql<L extends string>(
  query: Query,
  labelNames: readonly L[],
  buckets: readonly number[],
  source: SQL,
): Promise<HistogramSeries<L>[]> {
  if (!buckets.every(Number.isFinite)) throw new Error("histogram buckets must be finite numbers");
  // The bounds are our own numeric constants, so they can be written into the statement.
  const bucketOf = sql.raw(`case ${buckets.map((le, i) => `when d.s <= ${le} then ${i}`).join(" ")} else ${buckets.length} end`);
  const labels = labelNames.map((name) => sql`d.${sql.identifier(name)}::text as ${sql.identifier(name)}`);
  const groupBy = sql.join([...labelNames.map((_, i) => sql.raw(String(i + 1))), sql.raw(String(labelNames.length + 1))], sql`, `);
  const rows = await query<Record<string, unknown> & { bucket: number; n: number; sum: number }>(
    sql`with d as (${source})
        select ${sql.join([...labels, sql`${bucketOf} as bucket`, sql`count(*)::int as n`, sql`sum(d.s)::float8 as sum`], sql`, `)}
        from d
        group by ${groupBy}
        order by ${groupBy}`,
  );
  const series = new Map<string, { labels: Labels<L>; perBucket: number[]; sum: number }>();
  for (const row of rows) {
    const labelValues = Object.fromEntries(labelNames.map((name) => [name, String(row[name])])) as Labels<L>;
    const key = JSON.stringify(labelValues);
    let entry = series.get(key);
    if (!entry) series.set(key, (entry = { labels: labelValues, perBucket: Array<number>(buckets.length + 1).fill(0), sum: 0 }));
    entry.perBucket[row.bucket] = row.n;
    entry.sum += row.sum;
  }
  if (labelNames.length === 0 && series.size === 0)
    series.set("{}", { labels: {} as Labels<L>, perBucket: Array<number>(buckets.length + 1).fill(0), sum: 0 });
  return [...series.values()].map(({ labels: seriesLabels, perBucket, sum }) => {
    let running = 0;
    const cumulative = perBucket.map((n) => (running += n));
    return { labels: seriesLabels, cumulative: cumulative.slice(0, buckets.length), count: running, sum };
  });
}

// The families ----------------------------------------------------------------------------------

const runsTotal: Load<"engine" | "template" | "kind" | "result"> = async (query) =>
  (
    await query<{
      engine: string;
      template: string;
      kind: string;
      result: string;
      n: number;
    }>(sql`select e.engine, t.name as template, r.kind::text as kind, r.status::text as result, count(*)::int as n
          from runs r
          join environments e on e.id = r.environment_id
          join template_versions v on v.id = e.template_version_id
          join templates t on t.id = v.template_id
          where r.status in ('succeeded', 'failed', 'cancelled')
          group by 1, 2, 3, 4`)
  ).map(({ n, ...labels }) => ({ labels, value: n }));

const runsActive: Load<"engine" | "kind" | "status"> = async (query) =>
  (
    await query<{
      engine: string;
      kind: string;
      status: string;
      n: number;
    }>(sql`select e.engine, r.kind::text as kind, r.status::text as status, count(*)::int as n
          from runs r join environments e on e.id = r.environment_id
          where r.status in ('queued', 'running')
          group by 1, 2, 3`)
  ).map(({ n, ...labels }) => ({ labels, value: n }));

const provisioningDuration = (query: Query) =>
  histogramFromSql(
    query,
    ["engine", "result"] as const,
    PROVISIONING_BUCKETS,
    sql`select e.engine, r.status::text as result, greatest(0, extract(epoch from r.finished_at - r.started_at))::float8 as s
        from runs r join environments e on e.id = r.environment_id
        where r.kind = 'apply' and r.status in ('succeeded', 'failed') and r.started_at is not null and r.finished_at is not null`,
  );

/** From the decision (or the submission, when auto-approved without one) to the environment's first apply starting. */
const approvalToApplyStart = (query: Query) =>
  histogramFromSql(
    query,
    ["engine"] as const,
    APPROVAL_TO_START_BUCKETS,
    sql`select e.engine, greatest(0, extract(epoch from min(r.started_at) - coalesce(q.decided_at, q.submitted_at)))::float8 as s
        from runs r
        join environments e on e.id = r.environment_id
        join requests q on q.id = e.request_id
        where r.kind = 'apply' and r.started_at is not null
        group by e.id, e.engine, q.decided_at, q.submitted_at`,
  );

// Provisioning SLIs (issue 16) --------------------------------------------------------------------

/** Submitted → ready: the SLO thresholds (10 min dev, 30 min staging, 1 h prod) are bucket bounds. */
export const TIME_TO_PROVISION_BUCKETS = [30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 14400, 28800, 86400] as const;
/** One stage of the pipeline: from instant (validation) to a day (an approval waiting overnight). */
export const STAGE_BUCKETS = [0.1, 1, 5, 15, 30, 60, 300, 600, 1800, 3600, 14400, 86400] as const;
const runJoins = sql`from runs r join environments e on e.id = r.environment_id
  join template_versions v on v.id = e.template_version_id join templates t on t.id = v.template_id`;

const runFailures: Load<"engine" | "template" | "kind" | "cause"> = async (query) =>
  (
    await query<{ engine: string; template: string; kind: string; cause: string; n: number }>(
      sql`select e.engine, t.name as template, r.kind::text as kind, coalesce(r.failure_cause::text, 'unknown') as cause, count(*)::int as n
          ${runJoins} where r.status = 'failed' group by 1, 2, 3, 4`,
    )
  ).map(({ n, ...labels }) => ({ labels, value: n }));

const runRetries: Load<"engine" | "kind"> = async (query) =>
  (
    await query<{ engine: string; kind: string; n: number }>(
      sql`select e.engine, r.kind::text as kind, sum(r.retries)::int as n from runs r join environments e on e.id = r.environment_id where r.retries > 0 group by 1, 2`,
    )
  ).map(({ n, ...labels }) => ({ labels, value: n }));

const rateLimitResponses: Load<"engine"> = async (query) =>
  (
    await query<{ engine: string; n: number }>(
      sql`select e.engine, sum(r.rate_limit_responses)::int as n from runs r join environments e on e.id = r.environment_id where r.rate_limit_responses > 0 group by 1`,
    )
  ).map(({ n, ...labels }) => ({ labels, value: n }));

const partialAppliesTotal: Load<"engine"> = async (query) =>
  (
    await query<{ engine: string; n: number }>(
      sql`select e.engine, count(*)::int as n from runs r join environments e on e.id = r.environment_id
          where r.kind = 'apply' and r.status = 'failed' and exists (
            select 1 from environment_resources er where er.environment_id = e.id and er.provider_id is not null
              and er.created_at <= r.finished_at and (er.deleted_at is null or er.deleted_at > r.finished_at))
          group by 1`,
    )
  ).map(({ n, ...labels }) => ({ labels, value: n }));

const denials: Load<"rule" | "stage"> = async (query) =>
  zeroFilled(
    (
      await query<{ rule: string; stage: string; n: number }>(
        sql`select rule::text as rule, stage::text as stage, count(*)::int as n from slo_denials group by 1, 2`,
      )
    ).map(({ n, ...labels }) => ({ labels, value: n })),
    ["quota", "budget"].flatMap((rule) => ["preview", "submit"].map((stage) => ({ rule, stage }))),
  );

/** The portal's SLO objectives (defaults where an admin set none), so alert rules can read the budget. */
const sloObjectives: Load<"slo"> = async (query) => {
  const rows = await query<{ key: string; objective: number }>(sql`select key, objective from slo_targets`);
  const defaults: Record<string, number> = { success: 0.99, latency_dev: 0.95, latency_staging: 0.95, latency_prod: 0.95 };
  for (const row of rows) defaults[row.key] = Number(row.objective);
  return Object.entries(defaults).map(([slo, value]) => ({ labels: { slo }, value }));
};

const readyTimelines = sql`select e.tier, q.submitted_at, coalesce(q.decided_at, q.submitted_at) as decided_at,
    coalesce(q.queued_at, q.decided_at, q.submitted_at) as queued_at,
    coalesce((select min(r.started_at) from runs r where r.environment_id = e.id and r.kind = 'apply'), e.ready_at) as started_at, e.ready_at
  from environments e join requests q on q.id = e.request_id where e.ready_at is not null`;

const timeToProvisionSeconds = (query: Query) =>
  histogramFromSql(
    query,
    ["tier"] as const,
    TIME_TO_PROVISION_BUCKETS,
    sql`select tl.tier, greatest(0, extract(epoch from tl.ready_at - tl.submitted_at))::float8 as s from (${readyTimelines}) tl`,
  );

const pipelineStageSeconds = (query: Query) =>
  histogramFromSql(
    query,
    ["stage"] as const,
    STAGE_BUCKETS,
    sql`select x.stage, greatest(0, x.s)::float8 as s from (${readyTimelines}) tl cross join lateral (values
          ('validation', extract(epoch from tl.queued_at - tl.decided_at)),
          ('approval_wait', extract(epoch from tl.decided_at - tl.submitted_at)),
          ('queue_wait', extract(epoch from tl.started_at - tl.queued_at)),
          ('apply', extract(epoch from tl.ready_at - tl.started_at))) as x(stage, s)`,
  );

/**
 * graphile-worker 0.17's own tables (the `graphile_worker.jobs` view joins the same two).
 * ready: waiting for a free worker; scheduled: run_at in the future (new, or a retry backing
 * off); running: locked by a worker (a lock older than 4 hours has expired and counts as
 * ready again, as graphile-worker treats it); failed: out of attempts, kept for inspection.
 */
const queueDepth: Load<"task" | "state"> = async (query) => {
  const [schema] = await query<{ present: boolean }>(sql`select to_regclass('graphile_worker._private_jobs') is not null as present`);
  if (!schema?.present) return [];
  const rows = await query<{ task: string; ready: number; scheduled: number; running: number; failed: number }>(sql`with j as (
          select j.task_id, j.run_at,
                 j.attempts >= j.max_attempts as failed,
                 j.locked_at is not null and j.locked_at > now() - interval '4 hours' as locked
          from graphile_worker._private_jobs j
        )
        select t.identifier as task,
               (count(j.task_id) filter (where not j.failed and not j.locked and j.run_at <= now()))::int as ready,
               (count(j.task_id) filter (where not j.failed and not j.locked and j.run_at > now()))::int as scheduled,
               (count(j.task_id) filter (where not j.failed and j.locked))::int as running,
               (count(j.task_id) filter (where j.failed))::int as failed
        from graphile_worker._private_tasks t left join j on j.task_id = t.id
        group by t.identifier`);
  return rows.flatMap((row) => queueStates.map((state) => ({ labels: { task: row.task, state }, value: row[state] })));
};

const pendingApprovals: Load<"team"> = async (query) =>
  (
    await query<{ team: string; n: number }>(sql`select t.slug as team, count(q.id)::int as n
          from teams t left join requests q on q.team_id = t.id and q.status = 'pending_approval'
          group by t.slug`)
  ).map(({ team, n }) => ({ labels: { team }, value: n }));

const environmentsByStatus: Load<"status" | "tier"> = async (query) => {
  const rows = await query<{ status: string; tier: string; n: number }>(
    sql`select status::text as status, tier, count(*)::int as n from environments group by 1, 2`,
  );
  return zeroFilled(
    rows.map(({ n, ...labels }) => ({ labels, value: n })),
    environmentStatus.enumValues.flatMap((status) => tiers.map((tier) => ({ status, tier }))),
  );
};

const expiredDestroyed: Load<never> = async (query) => {
  const [row] = await query<{ n: number }>(
    sql`select count(*)::int as n from environments where status = 'destroyed' and destroy_reason = 'expired'`,
  );
  return [{ labels: {}, value: row?.n ?? 0 }];
};

const requestsTotal: Load<"kind" | "status"> = async (query) => {
  const rows = await query<{ kind: string; status: string; n: number }>(
    sql`select kind, status::text as status, count(*)::int as n from requests group by 1, 2`,
  );
  return zeroFilled(
    rows.map(({ n, ...labels }) => ({ labels, value: n })),
    requestKinds.flatMap((kind) => requestStatus.enumValues.map((status) => ({ kind, status }))),
  );
};

/** Age of the newest heartbeat of a worker that has not stopped, by the database clock. No sample when there is none. */
const heartbeatAge: Load<never> = async (query) => {
  const [row] = await query<{ age: number | null }>(
    sql`select extract(epoch from now() - max(last_seen_at))::float8 as age from worker_heartbeats where stopped_at is null`,
  );
  return row?.age == null ? [] : [{ labels: {}, value: Math.max(0, row.age) }];
};

const liveWorkers: Load<never> = async (query) => {
  const [row] = await query<{ n: number }>(
    sql`select count(*)::int as n from worker_heartbeats where stopped_at is null and last_seen_at > now() - make_interval(secs => ${LIVE_WORKER_SECONDS})`,
  );
  return [{ labels: {}, value: row?.n ?? 0 }];
};

// The registry ----------------------------------------------------------------------------------

export type MetricsOptions = {
  /** Add this process's own metrics (CPU, memory, event loop, GC: prom-client's defaults). */
  processMetrics?: boolean;
  /** Per-statement limit, so a slow database makes a scrape fail rather than pile up. Default 5 s. */
  statementTimeoutMs?: number;
};

export function createMetrics(db: Database, options: MetricsOptions = {}): Metrics {
  const registry = new Registry();
  let current: Query | null = null;
  const snapshot = () => {
    if (!current) throw new Error("metrics are collected inside scrape()");
    return current;
  };

  const family = <L extends string>(type: "counter" | "gauge", name: string, help: string, labelNames: readonly L[], load: Load<L>) => {
    if (type === "counter") {
      return new Counter<L>({
        name,
        help,
        labelNames,
        registers: [registry],
        async collect() {
          const samples = await load(snapshot());
          this.reset();
          for (const s of samples) this.inc(s.labels, s.value);
        },
      });
    }
    return new Gauge<L>({
      name,
      help,
      labelNames,
      registers: [registry],
      async collect() {
        const samples = await load(snapshot());
        this.reset();
        for (const s of samples) this.set(s.labels, s.value);
        // reset() leaves a label-less gauge at 0; no sample means no series (e.g. no worker ever ran).
        if (labelNames.length === 0 && samples.length === 0) this.remove({});
      },
    });
  };

  family(
    "counter",
    "provisio_runs_total",
    "Finished runs by engine, template, kind (apply, destroy, update, drift) and result (succeeded, failed, cancelled).",
    ["engine", "template", "kind", "result"],
    runsTotal,
  );
  family(
    "gauge",
    "provisio_runs_active",
    "Runs waiting for (queued) or held by (running) a worker, by engine and kind.",
    ["engine", "kind", "status"],
    runsActive,
  );
  new DatabaseHistogram(
    {
      name: "provisio_provisioning_duration_seconds",
      help: "Apply runs from start (first claim by a worker) to finish, by engine and result (succeeded, failed).",
      labelNames: ["engine", "result"],
      buckets: PROVISIONING_BUCKETS,
      registry,
    },
    provisioningDuration,
    snapshot,
  );
  new DatabaseHistogram(
    {
      name: "provisio_approval_to_apply_start_seconds",
      help: "From a request's approval (its last approval, or the submission when auto-approved) to a worker starting its environment's first apply, by engine.",
      labelNames: ["engine"],
      buckets: APPROVAL_TO_START_BUCKETS,
      registry,
    },
    approvalToApplyStart,
    snapshot,
  );
  family(
    "gauge",
    "provisio_queue_depth",
    "Jobs in the graphile-worker queue by task and state: ready (waiting for a worker), scheduled (run_at in the future, including retries backing off), running (locked by a worker), failed (out of attempts).",
    ["task", "state"],
    queueDepth,
  );
  family("gauge", "provisio_pending_approvals", "Requests waiting for an approval decision, by team (slug).", ["team"], pendingApprovals);
  family(
    "gauge",
    "provisio_environments",
    "Environments by status and tier (destroyed ones included: they stay on record).",
    ["status", "tier"],
    environmentsByStatus,
  );
  family(
    "counter",
    "provisio_environments_expired_destroyed_total",
    "Environments destroyed because their time to live ran out (destroy reason 'expired').",
    [],
    expiredDestroyed,
  );
  family("gauge", "provisio_requests", "Requests by kind (create, extend) and current status.", ["kind", "status"], requestsTotal);
  family(
    "gauge",
    "provisio_worker_heartbeat_age_seconds",
    "Seconds since the newest heartbeat of any running worker (absent when no worker ever started or all stopped cleanly).",
    [],
    heartbeatAge,
  );
  family("gauge", "provisio_workers_live", `Workers whose heartbeat is younger than ${LIVE_WORKER_SECONDS} s.`, [], liveWorkers);
  driftFamilies(family);
  // Provisioning SLIs (issue 16): causes, retries, denials, time to provision and its stages, SLO targets.
  family(
    "counter",
    "provisio_run_failures_total",
    "Failed runs by engine, template, kind and failure cause.",
    ["engine", "template", "kind", "cause"],
    runFailures,
  );
  family("counter", "provisio_run_retries_total", "Transient engine errors retried during runs, by engine and kind.", ["engine", "kind"], runRetries);
  family(
    "counter",
    "provisio_run_rate_limit_responses_total",
    "Rate-limit answers engines got during runs (each retried), by engine.",
    ["engine"],
    rateLimitResponses,
  );
  family("counter", "provisio_partial_applies_total", "Failed apply runs that left resources behind, by engine.", ["engine"], partialAppliesTotal);
  family(
    "counter",
    "provisio_request_denials_total",
    "Previews and submits the team's quota or hard budget refused (no request made), by rule and stage.",
    ["rule", "stage"],
    denials,
  );
  family("gauge", "provisio_slo_objective", "The SLO objectives the portal's admins set (ratio of good events), by SLO.", ["slo"], sloObjectives);
  new DatabaseHistogram(
    {
      name: "provisio_time_to_provision_seconds",
      help: "Create requests from submission to their environment being ready (approval and queue included), by tier.",
      labelNames: ["tier"],
      buckets: TIME_TO_PROVISION_BUCKETS,
      registry,
    },
    timeToProvisionSeconds,
    snapshot,
  );
  new DatabaseHistogram(
    {
      name: "provisio_pipeline_stage_seconds",
      help: "Each stage of a create request that became ready: validation, approval_wait, queue_wait, apply.",
      labelNames: ["stage"],
      buckets: STAGE_BUCKETS,
      registry,
    },
    pipelineStageSeconds,
    snapshot,
  );
  if (options.processMetrics) collectDefaultMetrics({ register: registry });

  const statementTimeout = `${Math.max(1, Math.round(options.statementTimeoutMs ?? 5_000))}ms`;
  let inflight: Promise<string> | null = null;
  const collectOnce = () =>
    db.transaction(
      async (tx) => {
        await tx.execute(sql`select set_config('statement_timeout', ${statementTimeout}, true)`);
        // prom-client collects every family at once; one connection takes one statement at a time.
        let queue: Promise<unknown> = Promise.resolve();
        current = <T extends Record<string, unknown>>(statement: SQL) => {
          const next = queue.then(async () => (await tx.execute<T>(statement)).rows as T[]);
          queue = next.catch(() => undefined);
          return next;
        };
        try {
          return await registry.metrics();
        } finally {
          current = null;
        }
      },
      { isolationLevel: "repeatable read", accessMode: "read only" },
    );

  return {
    contentType: registry.contentType,
    scrape: () => {
      inflight ??= collectOnce().finally(() => {
        inflight = null;
      });
      return inflight;
    },
  };
}

// One per process: the registry keeps the default process metrics' state (GC and event-loop observers).
const store = globalThis as unknown as { __provisioMetrics?: Metrics };

/** The web process's metrics, created on first use (kept on globalThis so dev-server reloads reuse it). */
export function processMetrics(db: Database): Metrics {
  store.__provisioMetrics ??= createMetrics(db, { processMetrics: true });
  return store.__provisioMetrics;
}
