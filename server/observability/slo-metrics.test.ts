/** The SLI families of /api/metrics (issue 16) from seeded runs with known answers. */
import { beforeAll, describe, expect, it } from "vitest";
import type { Database } from "~/db/client";
import { recordDenials } from "~/server/services/slo/denials";
import { createTestDatabase } from "~/testing/db";
import { makeTeam, makeUser } from "~/testing/fixtures";
import { parsePrometheusText, type PromText } from "~/testing/prometheus";
import { seedProvision, seedTemplate } from "~/testing/slo-seed";
import { uniqueTemplateName } from "~/testing/templates";
import { createMetrics } from "./metrics";

let db: Database;
let metrics: PromText;
let template: string;
const t0 = new Date("2026-03-01T10:00:00Z");
const at = (seconds: number) => new Date(t0.getTime() + seconds * 1000);

beforeAll(async () => {
  ({ db } = await createTestDatabase());
  const user = (await makeUser(db)).id;
  const teamId = (await makeTeam(db)).id;
  const tpl = await seedTemplate(db, uniqueTemplateName("slo-metrics"));
  template = tpl.name;
  // Ready in 400 s (approval 100, queue 50, apply 250) after a rate-limited attempt with 2 retries.
  await seedProvision(db, {
    teamId,
    userId: user,
    template: tpl,
    submittedAt: t0,
    decidedAt: at(100),
    readyAt: at(400),
    runs: [
      { status: "failed", failureCause: "rate_limit", retries: 2, rateLimitResponses: 2, startedAt: at(150), finishedAt: at(200) },
      { status: "succeeded", startedAt: at(300), finishedAt: at(400) },
    ],
  });
  // A quota failure that left one resource behind.
  await seedProvision(db, {
    teamId,
    userId: user,
    template: tpl,
    submittedAt: t0,
    liveResources: 1,
    runs: [{ status: "failed", failureCause: "quota", startedAt: at(5), finishedAt: at(9) }],
  });
  await recordDenials(db, { stage: "submit", rules: ["budget"], teamId, userId: user, templateName: tpl.name, tier: "dev" });
  metrics = parsePrometheusText(await createMetrics(db).scrape());
});

describe("SLI families on /api/metrics", () => {
  it("counts failures by cause, retries, rate-limit answers, partial applies and denials", () => {
    expect(metrics.value("provisio_run_failures_total", { engine: "sim", template, kind: "apply", cause: "rate_limit" })).toBe(1);
    expect(metrics.value("provisio_run_failures_total", { engine: "sim", template, kind: "apply", cause: "quota" })).toBe(1);
    expect(metrics.value("provisio_run_retries_total", { engine: "sim", kind: "apply" })).toBe(2);
    expect(metrics.value("provisio_run_rate_limit_responses_total", { engine: "sim" })).toBe(2);
    expect(metrics.value("provisio_partial_applies_total", { engine: "sim" })).toBe(1);
    expect(metrics.value("provisio_request_denials_total", { rule: "budget", stage: "submit" })).toBe(1);
    expect(metrics.value("provisio_request_denials_total", { rule: "quota", stage: "preview" })).toBe(0);
    expect(metrics.value("provisio_slo_objective", { slo: "success" })).toBe(0.99);
  });

  it("has time to provision by tier and each pipeline stage as histograms", () => {
    expect(metrics.value("provisio_time_to_provision_seconds_bucket", { tier: "dev", le: "300" })).toBe(0);
    expect(metrics.value("provisio_time_to_provision_seconds_bucket", { tier: "dev", le: "600" })).toBe(1);
    expect(metrics.value("provisio_time_to_provision_seconds_sum", { tier: "dev" })).toBe(400);
    expect(metrics.value("provisio_pipeline_stage_seconds_sum", { stage: "approval_wait" })).toBe(100);
    expect(metrics.value("provisio_pipeline_stage_seconds_sum", { stage: "queue_wait" })).toBe(50);
    expect(metrics.value("provisio_pipeline_stage_seconds_sum", { stage: "apply" })).toBe(250);
    expect(metrics.value("provisio_pipeline_stage_seconds_sum", { stage: "validation" })).toBe(0);
  });
});
