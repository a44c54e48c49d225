/**
 * The daily rollups (slo_run_days, slo_provisions and slo_fleet_days, kept by triggers) and the
 * trend sweep give the same answers as counting runs, environments and cost records directly:
 * across a UTC day boundary, for a run that finishes days after it started, a corrected, a deleted
 * and a moved run, an environment created, destroyed and moved to another team mid-range, a cost
 * record corrected, moved and deleted, aligned and unaligned ranges, every team or one.
 */
import { eq, sql } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import type { Database } from "~/db/client";
import { costRecords, environments, requests, runs } from "~/db/schema";
import { createTestDatabase } from "~/testing/db";
import { makeTeam, makeUser } from "~/testing/fixtures";
import { seedProvision, seedTemplate } from "~/testing/slo-seed";
import { uniqueTemplateName } from "~/testing/templates";
import { trends, type TrendPoint } from "./executive";
import { computeSlis } from "./index";
import { scopeFilter, ts, type SloScope } from "./scope";
import { sloStatus } from "./targets";
import { histogramStats, pipelineStages, timeToProvision } from "./time-to-provision";

const NOW = new Date("2026-03-10T09:30:00Z");
const MIDNIGHT = new Date("2026-03-10T00:00:00Z");
const hoursAgo = (h: number) => new Date(NOW.getTime() - h * 3_600_000);
const DAY = 86_400_000;

let db: Database;
let teamA: string;
let teamB: string;
let lateRun: string;
let lateEnvironment: string;
let lateRequest: string;
let movedEnvironment: string;

/** The trends as they were computed before the sweep: every point scans environments and cost records. */
async function trendsByScanning(scope: SloScope): Promise<TrendPoint[]> {
  const step = scope.to.getTime() - scope.from.getTime() <= 2 * DAY ? "1 hour" : "1 day";
  const unit = step === "1 hour" ? "hour" : "day";
  const teams =
    scope.teamIds === null
      ? sql`true`
      : sql`team_id in (${sql.join(
          scope.teamIds.map((id) => sql`${id}::uuid`),
          sql`, `,
        )})`;
  const result = await db.execute(sql`
    with buckets as (
      select b as at, b + ${step}::interval as until from generate_series(date_trunc(${unit}, ${ts(scope.from)}), ${ts(scope.to)} - interval '1 microsecond', ${step}::interval) b
    ),
    outcomes as (
      select date_trunc(${unit}, r.finished_at) as at, count(*) filter (where r.status = 'succeeded')::int as ok, count(*) filter (where r.status = 'failed')::int as bad
      from runs r join environments e on e.id = r.environment_id join template_versions tv on tv.id = e.template_version_id join templates t on t.id = tv.template_id
      where r.kind = 'apply' and r.status in ('succeeded', 'failed') and r.finished_at >= ${ts(scope.from)} and r.finished_at < ${ts(scope.to)} and ${scopeFilter(scope, "e", "t.name")}
      group by 1
    )
    select b.at, coalesce(o.ok, 0) as ok, coalesce(o.bad, 0) as bad,
      (select count(*)::int from environments e where ${teams} and e.ready_at < b.until and (e.destroyed_at is null or e.destroyed_at >= b.until)) as environments,
      (select coalesce(sum(c.hourly_micros * extract(epoch from (least(coalesce(c.ended_at, b.until), b.until) - greatest(c.started_at, b.at))) / 3600.0), 0)::float8
        from cost_records c where ${teams} and c.started_at < b.until and (c.ended_at is null or c.ended_at > b.at)) as micros
    from buckets b left join outcomes o on o.at = b.at order by b.at`);
  return result.rows.map((row) => {
    const succeeded = Number(row.ok);
    const failed = Number(row.bad);
    return {
      at: new Date(row.at as string).toISOString(),
      succeeded,
      failed,
      successRatio: succeeded + failed === 0 ? null : succeeded / (succeeded + failed),
      environments: Number(row.environments),
      spendCents: Math.round(Number(row.micros) / 10_000),
    };
  });
}

/** What the rollup must hold: the same counts taken from the runs now. */
async function rollupMatchesRuns(): Promise<void> {
  const fresh = await db.execute(sql`
    select (r.finished_at at time zone 'UTC')::date::text as day, e.team_id, t.name as template_name, e.tier, e.engine,
      case when r.status = 'failed' then coalesce(r.failure_cause::text, 'unknown') else '' end as cause,
      count(*) filter (where r.kind = 'apply' and r.status = 'succeeded')::int as apply_succeeded,
      count(*) filter (where r.kind = 'apply' and r.status = 'failed')::int as apply_failed,
      count(*) filter (where r.status = 'succeeded')::int as succeeded, count(*) filter (where r.status = 'failed')::int as failed
    from runs r join environments e on e.id = r.environment_id join template_versions tv on tv.id = e.template_version_id join templates t on t.id = tv.template_id
    where r.finished_at is not null and r.status in ('succeeded', 'failed') group by 1, 2, 3, 4, 5, 6 order by 1, 2, 3, 4, 5, 6`);
  const kept = await db.execute(sql`
    select day::text as day, team_id, template_name, tier, engine, cause, apply_succeeded, apply_failed, succeeded, failed from slo_run_days
    where (apply_succeeded, apply_failed, succeeded, failed) <> (0, 0, 0, 0) order by 1, 2, 3, 4, 5, 6`);
  expect(kept.rows).toEqual(fresh.rows);
  // And the provisioning timelines the same as reading requests and runs.
  const timelines = sql`environment_id, team_id, template_name, tier, engine, submitted_at, decided_at, queued_at, started_at, ready_at`;
  const live = await db.execute(sql`
    select ${timelines} from (
      select e.id as environment_id, e.team_id, t.name as template_name, e.tier, e.engine, q.submitted_at, coalesce(q.decided_at, q.submitted_at) as decided_at,
        coalesce(q.queued_at, q.decided_at, q.submitted_at) as queued_at,
        coalesce((select min(r.started_at) from runs r where r.environment_id = e.id and r.kind = 'apply'), e.ready_at) as started_at, e.ready_at
      from environments e join requests q on q.id = e.request_id join template_versions tv on tv.id = e.template_version_id join templates t on t.id = tv.template_id
      where e.ready_at is not null) x order by environment_id`);
  expect((await db.execute(sql`select ${timelines} from slo_provisions order by environment_id`)).rows).toEqual(live.rows);
  // And the fleet's daily events the same as reading environments and cost records.
  const events = await db.execute(sql`
    select (v.at at time zone 'UTC')::date::text as day, v.team_id, sum(v.n)::int as environments,
      trim_scale(sum(v.rate))::text as rate_micros, trim_scale(sum(v.rate * extract(epoch from v.at)))::text as rate_seconds
    from (
      select e.ready_at as at, e.team_id, 1 as n, 0::numeric as rate from environments e where e.ready_at is not null
      union all
      select greatest(e.ready_at, e.destroyed_at), e.team_id, -1, 0 from environments e where e.ready_at is not null and e.destroyed_at is not null
      union all
      select c.started_at, c.team_id, 0, c.hourly_micros::numeric from cost_records c
      union all
      select c.ended_at, c.team_id, 0, -c.hourly_micros::numeric from cost_records c where c.ended_at is not null
    ) v group by 1, 2 having (sum(v.n), sum(v.rate), sum(v.rate * extract(epoch from v.at))) <> (0, 0, 0) order by 1, 2`);
  const fleet = await db.execute(sql`
    select day::text as day, team_id, sum(environments)::int as environments, trim_scale(sum(rate_micros))::text as rate_micros,
      trim_scale(sum(rate_seconds))::text as rate_seconds
    from slo_fleet_days group by 1, 2 having (sum(environments), sum(rate_micros), sum(rate_seconds)) <> (0, 0, 0) order by 1, 2`);
  expect(fleet.rows).toEqual(events.rows);
  expect(fleet.rows.length).toBeGreaterThan(3);
}

beforeAll(async () => {
  ({ db } = await createTestDatabase());
  const user = (await makeUser(db)).id;
  teamA = (await makeTeam(db)).id;
  teamB = (await makeTeam(db)).id;
  const web = await seedTemplate(db, uniqueTemplateName("rollup-web"));
  const pg = await seedTemplate(db, uniqueTemplateName("rollup-db"));
  const a = { teamId: teamA, userId: user, template: web };

  // Across midnight: a success 1 ms before it, a failure exactly at it; cost running across it.
  await seedProvision(db, {
    ...a,
    submittedAt: new Date(MIDNIGHT.getTime() - 600_000),
    readyAt: new Date(MIDNIGHT.getTime() - 1),
    runs: [
      { status: "succeeded", startedAt: new Date(MIDNIGHT.getTime() - 300_000), finishedAt: new Date(MIDNIGHT.getTime() - 1) },
      { kind: "update", status: "failed", failureCause: "capacity", startedAt: new Date(MIDNIGHT.getTime() - 60_000), finishedAt: MIDNIGHT },
    ],
    cost: { hourlyMicros: 1_500_000, from: new Date(MIDNIGHT.getTime() - 5_400_000) },
  });
  // Days ago: a rate-limited failure, the success, an update and a failed destroy without a cause; destroyed.
  const old = await seedProvision(db, {
    ...a,
    tier: "staging",
    submittedAt: hoursAgo(5 * 24 + 3),
    readyAt: hoursAgo(5 * 24),
    status: "destroyed",
    runs: [
      { status: "failed", failureCause: "rate_limit", startedAt: hoursAgo(5 * 24 + 2.5), finishedAt: hoursAgo(5 * 24 + 2) },
      { status: "succeeded", startedAt: hoursAgo(5 * 24 + 1), finishedAt: hoursAgo(5 * 24) },
      { kind: "update", status: "succeeded", startedAt: hoursAgo(3 * 24), finishedAt: hoursAgo(3 * 24 - 0.2) },
      { kind: "destroy", status: "failed", startedAt: hoursAgo(2 * 24), finishedAt: hoursAgo(2 * 24 - 0.1) },
    ],
    cost: { hourlyMicros: 700_000, from: hoursAgo(5 * 24), to: hoursAgo(2 * 24 - 0.1) },
  });
  await db.update(runs).set({ failureCause: null }).where(eq(runs.id, old.runIds[3]!));
  await db
    .update(environments)
    .set({ destroyedAt: hoursAgo(2 * 24 - 0.1) })
    .where(eq(environments.id, old.environmentId));
  // A run that started three days ago and is still running: it counts only once it finishes.
  const late = await seedProvision(db, {
    ...a,
    submittedAt: hoursAgo(3 * 24 + 1),
    status: "provisioning",
    runs: [{ status: "running", startedAt: hoursAgo(3 * 24) }],
  });
  lateRun = late.runIds[0]!;
  lateEnvironment = late.environmentId;
  lateRequest = late.requestId;
  // Another team's postgres prod environment, with a quota failure and a run that gets deleted.
  const b = await seedProvision(db, {
    teamId: teamB,
    userId: user,
    template: pg,
    engine: "postgres",
    tier: "prod",
    submittedAt: hoursAgo(30),
    readyAt: hoursAgo(26),
    runs: [
      { status: "failed", failureCause: "quota", startedAt: hoursAgo(29), finishedAt: hoursAgo(28) },
      { status: "succeeded", startedAt: hoursAgo(27), finishedAt: hoursAgo(26) },
      { kind: "update", status: "succeeded", startedAt: hoursAgo(20), finishedAt: hoursAgo(19) },
    ],
    cost: { hourlyMicros: 2_250_000, from: hoursAgo(26) },
  });
  await db.delete(runs).where(eq(runs.id, b.runIds[2]!));
  // An environment that moves from team A to team B after its runs finished; one run is corrected from success to failure.
  const moved = await seedProvision(db, {
    ...a,
    submittedAt: hoursAgo(10 * 24),
    readyAt: hoursAgo(10 * 24 - 1),
    runs: [
      { status: "succeeded", startedAt: hoursAgo(10 * 24 - 0.5), finishedAt: hoursAgo(10 * 24 - 1) },
      { kind: "update", status: "succeeded", startedAt: hoursAgo(6), finishedAt: hoursAgo(5.5) },
    ],
    cost: { hourlyMicros: 333_333, from: hoursAgo(10 * 24 - 1) },
  });
  movedEnvironment = moved.environmentId;
  await db.update(runs).set({ status: "failed", failureCause: "outage" }).where(eq(runs.id, moved.runIds[1]!));
});

const ranges: [string, SloRangeOf][] = [
  ["28 days to now", () => ({ from: new Date(NOW.getTime() - 28 * DAY), to: NOW })],
  ["7 whole UTC days", () => ({ from: new Date(MIDNIGHT.getTime() - 7 * DAY), to: MIDNIGHT })],
  ["3 days, unaligned", () => ({ from: new Date(NOW.getTime() - 3 * DAY - 3_600_000 * 5.25), to: NOW })],
  ["a day and a half (hourly points)", () => ({ from: new Date(NOW.getTime() - 36 * 3_600_000), to: NOW })],
  ["2 ms across midnight", () => ({ from: new Date(MIDNIGHT.getTime() - 1), to: new Date(MIDNIGHT.getTime() + 1) })],
];
type SloRangeOf = () => { from: Date; to: Date };

async function expectSameAnswers(): Promise<void> {
  for (const [, rangeOf] of ranges) {
    for (const teamIds of [null, [teamA], [teamB], []]) {
      const scope: SloScope = { ...rangeOf(), teamIds };
      expect(await computeSlis(db, scope)).toEqual(await computeSlis(db, { ...scope, raw: true }));
      if (teamIds?.length !== 0) expect(await trends(db, scope)).toEqual(await trendsByScanning(scope));
      const narrowed = { ...scope, engine: "postgres", tier: "prod" as const };
      expect((await computeSlis(db, narrowed)).m5).toEqual((await computeSlis(db, { ...narrowed, raw: true })).m5);
    }
  }
  for (const teamIds of [null, [teamA], [teamB]])
    expect(await sloStatus(db, { now: NOW, teamIds })).toEqual(await sloStatus(db, { now: NOW, teamIds, raw: true }));
}

describe("the daily rollup against the runs", () => {
  it("holds what counting the runs gives, and the SLIs, status and trends match the raw path", async () => {
    await rollupMatchesRuns();
    await expectSameAnswers();
  });

  it("counts a run on the day it finishes, days after it started", async () => {
    const week: SloScope = { from: new Date(MIDNIGHT.getTime() - 7 * DAY), to: NOW, teamIds: [teamA] };
    const before = await computeSlis(db, week);
    const trendBefore = await trends(db, week);
    const finishedAt = new Date(MIDNIGHT.getTime() - DAY + 7_200_000); // yesterday 02:00, three days after it started
    await db.update(runs).set({ status: "succeeded", finishedAt }).where(eq(runs.id, lateRun));
    await db.update(environments).set({ status: "ready", readyAt: finishedAt }).where(eq(environments.id, lateEnvironment));
    const after = await computeSlis(db, week);
    expect(after.m1.runs.succeeded).toBe(before.m1.runs.succeeded + 1);
    expect(after.m2.total.count).toBe(before.m2.total.count + 1);
    const trendAfter = await trends(db, week);
    const yesterday = trendAfter.findIndex((p) => p.at === new Date(MIDNIGHT.getTime() - DAY).toISOString());
    expect(trendAfter[yesterday]!.succeeded).toBe(trendBefore[yesterday]!.succeeded + 1);
    const outcomesOn = (points: TrendPoint[]) =>
      points.filter((_, i) => i !== yesterday).map(({ at, succeeded, failed }) => ({ at, succeeded, failed }));
    expect(outcomesOn(trendAfter)).toEqual(outcomesOn(trendBefore));
    await rollupMatchesRuns();
    await expectSameAnswers();
    // An approval recorded later moves the timeline's stages.
    await db
      .update(requests)
      .set({ decidedAt: hoursAgo(3 * 24 + 0.5) })
      .where(eq(requests.id, lateRequest));
    await rollupMatchesRuns();
    expect((await computeSlis(db, week)).m10.approval_wait.count).toBe(after.m10.approval_wait.count);
    await expectSameAnswers();
  });

  it("moves an environment's runs with it to another team", async () => {
    const month: SloScope = { from: new Date(NOW.getTime() - 28 * DAY), to: NOW, teamIds: [teamB] };
    const before = await computeSlis(db, month);
    await db.update(environments).set({ teamId: teamB }).where(eq(environments.id, movedEnvironment));
    const after = await computeSlis(db, month);
    expect(after.m1.runs.succeeded).toBe(before.m1.runs.succeeded + 1);
    expect(after.m5.byCause.outage).toBe(before.m5.byCause.outage + 1);
    await rollupMatchesRuns();
    await expectSameAnswers();
  });
});

describe("the fleet's daily rollup (environments alive, spend) against the tables", () => {
  it("follows an environment created, destroyed and moved to another team mid-range, and cost records corrected, moved and deleted", async () => {
    const week: SloScope = { from: new Date(MIDNIGHT.getTime() - 7 * DAY), to: NOW, teamIds: null };
    const forTeam = (teamId: string) => trends(db, { ...week, teamIds: [teamId] });
    const dayOf = (points: TrendPoint[], at: Date) => points.find((p) => p.at === new Date(Math.floor(at.getTime() / DAY) * DAY).toISOString())!;
    const [aBefore, bBefore] = [await forTeam(teamA), await forTeam(teamB)];
    const user = (await db.execute(sql`select id from users limit 1`)).rows[0]!.id as string;
    const readyAt = hoursAgo(4 * 24 + 0.5);
    const created = await seedProvision(db, {
      teamId: teamA,
      userId: user,
      template: await seedTemplate(db, uniqueTemplateName("rollup-fleet")),
      submittedAt: hoursAgo(4 * 24 + 1),
      readyAt,
      runs: [{ status: "succeeded", startedAt: hoursAgo(4 * 24 + 0.9), finishedAt: readyAt }],
      cost: { hourlyMicros: 4_000_000, from: readyAt },
    });
    await rollupMatchesRuns();
    await expectSameAnswers();
    // Alive from its ready day on, in team A only; $4/h from then.
    const aCreated = await forTeam(teamA);
    expect(dayOf(aCreated, readyAt).environments).toBe(dayOf(aBefore, readyAt).environments + 1);
    expect(dayOf(aCreated, NOW).environments).toBe(dayOf(aBefore, NOW).environments + 1);
    expect(dayOf(aCreated, hoursAgo(3 * 24)).spendCents).toBe(dayOf(aBefore, hoursAgo(3 * 24)).spendCents + 9600);
    expect(await forTeam(teamB)).toEqual(bBefore);

    // Destroyed two days ago (its cost record closed then), then moved to team B.
    const destroyedAt = hoursAgo(2 * 24 + 3);
    await db.update(environments).set({ status: "destroyed", destroyedAt }).where(eq(environments.id, created.environmentId));
    await db.update(costRecords).set({ endedAt: destroyedAt }).where(eq(costRecords.environmentId, created.environmentId));
    await rollupMatchesRuns();
    await expectSameAnswers();
    const aDestroyed = await forTeam(teamA);
    expect(dayOf(aDestroyed, destroyedAt).environments).toBe(dayOf(aBefore, destroyedAt).environments);
    expect(dayOf(aDestroyed, hoursAgo(3 * 24)).environments).toBe(dayOf(aBefore, hoursAgo(3 * 24)).environments + 1);
    await db.update(environments).set({ teamId: teamB }).where(eq(environments.id, created.environmentId));
    await rollupMatchesRuns();
    await expectSameAnswers();
    const [aMoved, bMoved] = [await forTeam(teamA), await forTeam(teamB)];
    expect(aMoved.map((p) => p.environments)).toEqual(aBefore.map((p) => p.environments));
    expect(dayOf(bMoved, hoursAgo(3 * 24)).environments).toBe(dayOf(bBefore, hoursAgo(3 * 24)).environments + 1);
    // The cost record keeps its own team until it is moved too.
    expect(dayOf(aMoved, hoursAgo(3 * 24)).spendCents).toBe(dayOf(aCreated, hoursAgo(3 * 24)).spendCents);

    // A cost record corrected (rate) and moved to team B, then another team's record deleted.
    await db.update(costRecords).set({ hourlyMicros: 2_000_000, teamId: teamB }).where(eq(costRecords.environmentId, created.environmentId));
    await rollupMatchesRuns();
    await expectSameAnswers();
    expect(dayOf(await forTeam(teamB), hoursAgo(3 * 24)).spendCents).toBe(dayOf(bBefore, hoursAgo(3 * 24)).spendCents + 4800);
    expect((await forTeam(teamA)).map((p) => p.spendCents)).toEqual(aBefore.map((p) => p.spendCents));
    await db.delete(costRecords).where(eq(costRecords.environmentId, created.environmentId));
    await rollupMatchesRuns();
    await expectSameAnswers();
    expect((await forTeam(teamB)).map((p) => p.spendCents)).toEqual(bBefore.map((p) => p.spendCents));
  });
});

describe("percentiles of many environments, from the histogram", () => {
  it("gives the exact count and mean and p50/p95 within the 1 % bucket width", async () => {
    const scope: SloScope = { from: new Date(NOW.getTime() - 28 * DAY), to: NOW, teamIds: null };
    const exact = await timeToProvision(db, scope);
    const estimated = await histogramStats(db, scope);
    expect(estimated.total.count).toBe(exact.total.count);
    expect(Object.keys(estimated.byTier)).toEqual(Object.keys(exact.byTier));
    const stats = [
      [estimated.total, exact.total],
      ...pipelineStages.map((s) => [estimated.stages[s], exact.stages[s]]),
      ...Object.keys(exact.byTier).map((t) => [estimated.byTier[t]!, exact.byTier[t]!]),
    ];
    for (const [e, x] of stats) {
      expect(e!.count).toBe(x!.count);
      expect(e!.mean).toBeCloseTo(x!.mean!, 6);
      for (const p of ["p50", "p95"] as const) expect(Math.abs(e![p]! - x![p]!)).toBeLessThanOrEqual(x![p]! * 0.01 + 1e-9);
    }
    expect(exact.total.count).toBeGreaterThan(2);
  });
});
