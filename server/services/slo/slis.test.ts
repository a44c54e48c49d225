/**
 * Every SLI (M1–M10) from seeded histories with a fixed clock and answers worked out by hand,
 * plus denied previews and submits counted through the real request services.
 */
import { randomUUID } from "node:crypto";
import { eq } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import type { Database } from "~/db/client";
import { driftChecks, sloDenials, teams } from "~/db/schema";
import { createTestDatabase } from "~/testing/db";
import { callerFor, makeTeam, makeUser } from "~/testing/fixtures";
import { seedProvision, seedTemplate } from "~/testing/slo-seed";
import { templateYaml, uniqueTemplateName } from "~/testing/templates";
import { recordDenials } from "./denials";
import { computeSlis, type Slis } from "./index";
import { listTargets, sloStatus } from "./targets";

const NOW = new Date("2026-03-01T12:00:00Z");
/** `hours` before NOW, plus `seconds`. */
const at = (hours: number, seconds = 0) => new Date(NOW.getTime() - hours * 3_600_000 + seconds * 1000);
const range = { from: at(24), to: NOW };

let db: Database;
let teamA: string;
let teamB: string;
let user: string;
let forTeamA: Slis;

beforeAll(async () => {
  ({ db } = await createTestDatabase());
  user = (await makeUser(db)).id;
  teamA = (await makeTeam(db, [{ userId: user, role: "member" }])).id;
  teamB = (await makeTeam(db)).id;
  const web = await seedTemplate(db, uniqueTemplateName("slo-web"));
  const pg = await seedTemplate(db, uniqueTemplateName("slo-db"));
  const base = { teamId: teamA, userId: user, template: web };

  // E1 dev, auto-approved: queue 60 s, apply 240 s, ready 300 s after submit; $1/h for 10 h.
  await seedProvision(db, {
    ...base,
    submittedAt: at(10),
    readyAt: at(10, 300),
    runs: [{ status: "succeeded", startedAt: at(10, 60), finishedAt: at(10, 300) }],
    cost: { hourlyMicros: 1_000_000, from: at(10) },
  });
  // E2 prod: approval 600 s, queue 120 s, apply 480 s (1200 s); $2/h for 6 h.
  await seedProvision(db, {
    ...base,
    tier: "prod",
    submittedAt: at(8),
    decidedAt: at(8, 600),
    readyAt: at(8, 1200),
    runs: [{ status: "succeeded", startedAt: at(8, 720), finishedAt: at(8, 1200) }],
    cost: { hourlyMicros: 2_000_000, from: at(8), to: at(2) },
  });
  // E3 dev: a rate-limited attempt fails at +200 s, the next succeeds at +800 s (recovered in 600 s).
  await seedProvision(db, {
    ...base,
    submittedAt: at(6),
    readyAt: at(6, 800),
    runs: [
      { status: "failed", failureCause: "rate_limit", retries: 3, rateLimitResponses: 3, startedAt: at(6, 20), finishedAt: at(6, 200) },
      { status: "succeeded", startedAt: at(6, 700), finishedAt: at(6, 800) },
    ],
  });
  // E4 dev: the cloud's quota stops it half way, keeping 2 resources (a partial apply)...
  const name = `again-${randomUUID().slice(0, 6)}`;
  await seedProvision(db, {
    ...base,
    name,
    submittedAt: at(4),
    liveResources: 2,
    runs: [{ status: "failed", failureCause: "quota", startedAt: at(4, 10), finishedAt: at(4, 100) }],
  });
  // ...and E5, the same name again, is ready an hour after that failure (recovered in 3600 s); $1/h for 3 h.
  await seedProvision(db, {
    ...base,
    name,
    submittedAt: at(3),
    readyAt: at(3, 100),
    runs: [{ status: "succeeded", startedAt: at(3, 10), finishedAt: at(3, 100) }],
    cost: { hourlyMicros: 1_000_000, from: at(3) },
  });
  // E6 postgres dev: credentials refused, cleaned up, never recovered.
  await seedProvision(db, {
    ...base,
    template: pg,
    engine: "postgres",
    submittedAt: at(2),
    runs: [{ status: "failed", failureCause: "auth", startedAt: at(2, 5), finishedAt: at(2, 30) }],
  });
  // E7 outside the range; E8 another team's.
  await seedProvision(db, {
    ...base,
    submittedAt: at(30),
    readyAt: at(30, 50),
    runs: [{ status: "succeeded", startedAt: at(30, 1), finishedAt: at(30, 50) }],
  });
  await seedProvision(db, {
    teamId: teamB,
    userId: user,
    template: web,
    submittedAt: at(5),
    readyAt: at(5, 50),
    runs: [{ status: "succeeded", startedAt: at(5, 1), finishedAt: at(5, 50) }],
  });

  // M6: previews repeat while typing (counted once per 10 minutes), submits every time.
  const denial = { teamId: teamA, userId: user, templateName: web.name, tier: "dev" };
  await recordDenials(db, { ...denial, stage: "preview", rules: ["quota"], now: at(1) });
  await recordDenials(db, { ...denial, stage: "preview", rules: ["quota"], now: at(1, 300) });
  await recordDenials(db, { ...denial, stage: "preview", rules: ["quota"], now: at(1, 660) });
  await recordDenials(db, { ...denial, stage: "submit", rules: ["budget"], now: at(1, 700) });
  await recordDenials(db, { ...denial, teamId: teamB, stage: "submit", rules: ["quota"], now: at(1, 700) });

  forTeamA = await computeSlis(db, { ...range, teamIds: [teamA] });
});

describe("the ten SLIs for one team over the last 24 h", () => {
  it("M1 success rate per run and per request", () => {
    expect(forTeamA.m1.runs).toEqual({ succeeded: 4, failed: 3, ratio: 4 / 7 });
    expect(forTeamA.m1.requests).toEqual({ succeeded: 4, failed: 2, ratio: 4 / 6 });
  });

  it("M2 time to provision, submitted → ready, overall and per tier", () => {
    // Totals 100, 300, 800, 1200 s.
    expect(forTeamA.m2.total).toEqual({ count: 4, mean: 600, p50: 550, p95: 1140 });
    expect(forTeamA.m2.byTier.dev).toMatchObject({ count: 3, mean: 400, p50: 300 });
    expect(forTeamA.m2.byTier.dev!.p95).toBeCloseTo(750);
    expect(forTeamA.m2.byTier.prod).toEqual({ count: 1, mean: 1200, p50: 1200, p95: 1200 });
  });

  it("M10 pipeline latency per stage adds up to the total", () => {
    const { validation, approval_wait, queue_wait, apply } = forTeamA.m10;
    expect(validation.mean).toBe(0);
    expect(approval_wait.mean).toBe(150);
    expect(queue_wait.mean).toBe(52.5);
    expect(apply.mean).toBe(397.5);
    expect(validation.mean! + approval_wait.mean! + queue_wait.mean! + apply.mean!).toBe(forTeamA.m2.total.mean);
  });

  it("M3 partial applies: only the failure that left resources", () => {
    expect(forTeamA.m3).toEqual({ failedApplies: 3, partial: 1, ratio: 1 / 3 });
  });

  it("M4 and M9 count new drift from the drift checks, in scope, and say so when nothing was checked", async () => {
    const teamC = (await makeTeam(db, [{ userId: user, role: "member" }])).id;
    const web = await seedTemplate(db, uniqueTemplateName("slo-drift"));
    const { environmentId } = await seedProvision(db, {
      teamId: teamC,
      userId: user,
      template: web,
      submittedAt: at(30),
      readyAt: at(30, 300),
      runs: [{ status: "succeeded", startedAt: at(30, 60), finishedAt: at(30, 300) }],
    });
    const check = (hours: number, result: "in_sync" | "drifted" | "failed", fingerprint: string | null) => ({
      environmentId,
      engine: "sim",
      result,
      fingerprint,
      checkedAt: at(hours),
    });
    // In sync, then drift "a" (new), the same drift again (not new), a failed read (never drift), drift "b" (new).
    await db
      .insert(driftChecks)
      .values([check(20, "in_sync", null), check(12, "drifted", "a"), check(11, "drifted", "a"), check(8, "failed", null), check(4, "drifted", "b")]);
    const slis = await computeSlis(db, { ...range, teamIds: [teamC] });
    expect(slis.m4).toEqual({ measured: true, occurrences: 2, perEnvironmentWeek: 14, unauthorizedChanges: 2, unauthorizedRate: 1 });
    expect(slis.m9).toBe(slis.m4);
    // Another team's scope sees none of it.
    expect((await computeSlis(db, { ...range, teamIds: [teamA] })).m4.measured).toBe(false);
  });

  it("M4 and M9 say they are not measured when no drift check ran in scope, and why", () => {
    expect(forTeamA.m4).toEqual({ measured: false, why: expect.stringMatching(/no drift check completed/i) });
    expect(forTeamA.m9).toBe(forTeamA.m4);
  });

  it("M5 errors by cause and engine", () => {
    expect(forTeamA.m5.finished).toBe(7);
    expect(forTeamA.m5.failed).toBe(3);
    expect(forTeamA.m5.byCause).toEqual({ rate_limit: 1, quota: 1, capacity: 0, auth: 1, outage: 0, template: 0, timeout: 0, unknown: 0 });
    expect(forTeamA.m5.byEngine).toEqual([
      { engine: "postgres", cause: "auth", count: 1 },
      { engine: "sim", cause: expect.any(String), count: 1 },
      { engine: "sim", cause: expect.any(String), count: 1 },
    ]);
  });

  it("M6 quota and budget blocks: denied previews (deduplicated) and submits, and quota-failed runs", () => {
    expect(forTeamA.m6).toEqual({ denied: { quota: { preview: 2, submit: 0 }, budget: { preview: 0, submit: 1 } }, runQuotaFailures: 1 });
  });

  it("M7 time to recover: next success of the environment, or the same name ready again", () => {
    expect(forTeamA.m7).toMatchObject({ failures: 3, unrecovered: 1, count: 2, mean: 2100, p50: 2100 });
  });

  it("M8 cost per environment by template and tier, accrued inside the range", () => {
    expect(
      forTeamA.m8.map(({ tier, environments, totalCents, perEnvironmentCents }) => ({ tier, environments, totalCents, perEnvironmentCents })),
    ).toEqual([
      { tier: "dev", environments: 2, totalCents: 1300, perEnvironmentCents: 650 },
      { tier: "prod", environments: 1, totalCents: 1200, perEnvironmentCents: 1200 },
    ]);
  });
});

describe("scopes", () => {
  it("admins see every team; a team scope sees only its own; no team sees nothing", async () => {
    const all = await computeSlis(db, { ...range, teamIds: null });
    expect(all.m1.requests.succeeded).toBe(5);
    expect(all.m6.denied.quota.submit).toBe(1);
    const none = await computeSlis(db, { ...range, teamIds: [] });
    expect(none.m1.runs).toEqual({ succeeded: 0, failed: 0, ratio: null });
    expect(none.m2.total.count).toBe(0);
  });

  it("the debug filters narrow to one engine and template", async () => {
    const pg = await computeSlis(db, { ...range, teamIds: null, engine: "postgres" });
    expect(pg.m5.byCause.auth).toBe(1);
    expect(pg.m5.failed).toBe(1);
  });
});

describe("denied previews and submits through the request services", () => {
  it("a hard budget that cannot fit the request counts one preview and one submit, with no request", async () => {
    const admin = await makeUser(db, { globalRole: "admin" });
    const dev = await makeUser(db);
    const team = await makeTeam(db, [{ userId: dev.id, role: "member" }]);
    await db.update(teams).set({ monthlyBudgetCents: 1, budgetMode: "hard" }).where(eq(teams.id, team.id));
    const adminApi = await callerFor(db, admin.id);
    const name = uniqueTemplateName("deny");
    const draft = await adminApi.templateAdmin.createDraft({ yaml: templateYaml(name) });
    await adminApi.templateAdmin.publish({ versionId: draft.versionId, expectedLockVersion: draft.lockVersion });
    const api = await callerFor(db, dev.id);
    const input = { teamId: team.id, templateName: name, tier: "dev" as const, environmentName: "denied-env", ttlHours: 720, parameters: {} };
    const preview = await api.requests.preview(input);
    expect(preview.decision.outcome).toBe("denied");
    await api.requests.preview(input); // typing on: still one preview counted
    await expect(api.requests.submit({ ...input, justification: "Needs more budget than it has", clientRequestId: randomUUID() })).rejects.toThrow(
      /budget/i,
    );
    const rows = await db.select().from(sloDenials).where(eq(sloDenials.teamId, team.id));
    expect(rows.map((r) => [r.stage, r.rule, r.templateName, r.tier]).sort()).toEqual([
      ["preview", "budget", name, "dev"],
      ["submit", "budget", name, "dev"],
    ]);
  });
});

describe("SLO targets, error budget and burn rates", () => {
  it("computes budget left and the multi-window burn rates for the success SLO", async () => {
    const team = (await makeTeam(db)).id;
    const tpl = await seedTemplate(db, uniqueTemplateName("slo-burn"));
    // 10 apply runs in the last hour, 2 failed (one 2 minutes ago): 20 % bad against a 1 % budget.
    for (let i = 0; i < 10; i++) {
      const minutesAgo = i === 0 ? 2 : 10 + i * 4;
      const failed = i < 2;
      await seedProvision(db, {
        teamId: team,
        userId: user,
        template: tpl,
        submittedAt: at(0, -minutesAgo * 60 - 30),
        readyAt: failed ? undefined : at(0, -minutesAgo * 60),
        runs: [
          {
            status: failed ? "failed" : "succeeded",
            failureCause: "outage",
            startedAt: at(0, -minutesAgo * 60 - 20),
            finishedAt: at(0, -minutesAgo * 60),
          },
        ],
      });
    }
    const [success] = await sloStatus(db, { now: NOW, teamIds: [team] });
    expect(success).toMatchObject({ key: "success", objective: 0.99, windowDays: 28, total: 10, bad: 2, ratio: 0.8, compliant: false });
    expect(success!.budgetLeft).toBeCloseTo(1 - 0.2 / 0.01);
    expect(success!.burn.fast.long).toBeCloseTo(20);
    expect(success!.burn.fast.short).toBeCloseTo(100); // the only run of the last 5 minutes failed
    expect(success!.burn.fast.firing).toBe(true);
    expect(success!.burn.slow).toMatchObject({ firing: true });
    // A team without events has no ratio, no budget figure and nothing firing.
    const [quiet] = await sloStatus(db, { now: NOW, teamIds: [(await makeTeam(db)).id] });
    expect(quiet).toMatchObject({ ratio: null, budgetLeft: null, compliant: null, burn: { fast: { firing: false }, slow: { firing: false } } });
  });

  it("admins set targets (validated, audited); the status follows them", async () => {
    const admin = await callerFor(db, (await makeUser(db, { globalRole: "admin" })).id);
    await expect(admin.slo.setTarget({ key: "latency_dev", objectivePercent: 99, thresholdMinutes: null, windowDays: 28 })).rejects.toThrow(
      /threshold/,
    );
    await expect(admin.slo.setTarget({ key: "success", objectivePercent: 100, thresholdMinutes: null, windowDays: 28 })).rejects.toThrow(
      /objectivePercent/,
    );
    await admin.slo.setTarget({ key: "latency_dev", objectivePercent: 90, thresholdMinutes: 5, windowDays: 7 });
    const dev = (await listTargets(db)).find((t) => t.key === "latency_dev");
    expect(dev).toEqual({ key: "latency_dev", objective: 0.9, thresholdSeconds: 300, windowDays: 7 });
    // Team A's dev environments ready within 7 days: 50, 100, 300 and 800 s; only 800 is over 5 minutes.
    const status = (await sloStatus(db, { now: NOW, teamIds: [teamA] })).find((s) => s.key === "latency_dev");
    expect(status).toMatchObject({ total: 4, bad: 1, ratio: 0.75, compliant: false });
  });
});
