/**
 * The Prometheus rules and Grafana dashboards (issue 16). A structure test always runs (YAML and
 * JSON shape, every alert has a runbook that exists, every metric named is one /api/metrics
 * exports); `promtool check rules` runs too when promtool is on PATH, and the test says whether it did.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";

const root = path.resolve(import.meta.dirname, "..");
const promDir = path.join(root, "deploy", "prometheus");
const grafanaDir = path.join(root, "deploy", "grafana");
const ruleFiles = readdirSync(promDir).filter((f) => f.endsWith(".yml"));
const dashboards = readdirSync(grafanaDir).filter((f) => f.endsWith(".json"));

type Rule = { record?: string; alert?: string; expr: string; for?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
const groups = ruleFiles.flatMap((f) => (parse(readFileSync(path.join(promDir, f), "utf8")) as { groups: { name: string; rules: Rule[] }[] }).groups);
const rules = groups.flatMap((g) => g.rules);
const recorded = new Set(rules.flatMap((r) => (r.record ? [r.record] : [])));

/** Metric families /api/metrics exports (server/observability/metrics.ts), with a histogram's series. */
const metricsSource = readFileSync(path.join(root, "server", "observability", "metrics.ts"), "utf8");
const exported = new Set([...metricsSource.matchAll(/"(provisio_[a-z_]+)"/g)].map((m) => m[1]!));
const known = (name: string) =>
  exported.has(name) || recorded.has(name) || exported.has(name.replace(/_(bucket|sum|count)$/, "")) || name === "ALERTS";
const metricNames = (expr: string) => [...expr.matchAll(/\b(provisio[a-z_:0-9]*)/g)].map((m) => m[1]!);

describe("Prometheus rules (deploy/prometheus)", () => {
  it("are rule groups of recording and alerting rules over metrics we export", () => {
    expect(ruleFiles.sort()).toEqual(["alerts.yml", "recording.yml"]);
    expect(groups.length).toBeGreaterThan(0);
    for (const rule of rules) {
      expect(Boolean(rule.record) !== Boolean(rule.alert), JSON.stringify(rule)).toBe(true);
      expect(rule.expr.trim().length).toBeGreaterThan(0);
      for (const name of metricNames(rule.expr)) expect(known(name), `${rule.record ?? rule.alert}: ${name}`).toBe(true);
      if (rule.record) expect(rule.record).toMatch(/^provisio:[a-z_0-9]+:[a-z_0-9]+$/);
    }
  });

  it("alert with multi-window burn rates (14.4 over 1 h and 5 m, 6 over 6 h and 30 m), each linking a runbook that exists", () => {
    const alerts = rules.filter((r) => r.alert);
    const fast = alerts.find((a) => a.alert === "ProvisioSloFastBurn")!;
    expect(fast.expr).toMatch(/rate1h > \(14\.4 \* \(1 - 0\.99\)\)\s+and\s+provisio:apply_failure_ratio:rate5m > \(14\.4/);
    const slow = alerts.find((a) => a.alert === "ProvisioSloSlowBurn")!;
    expect(slow.expr).toMatch(/rate6h > \(6 \* \(1 - 0\.99\)\)\s+and\s+provisio:apply_failure_ratio:rate30m > \(6/);
    for (const alert of alerts) {
      expect(alert.labels?.severity, alert.alert).toMatch(/^(page|ticket)$/);
      expect(alert.annotations?.summary, alert.alert).toBeTruthy();
      const runbook = alert.annotations?.runbook_url ?? "";
      expect(runbook, alert.alert).toMatch(/^docs\/runbooks\/[a-z0-9-]+\.md$/);
      expect(existsSync(path.join(root, runbook)), runbook).toBe(true);
    }
  });

  it("pass promtool check rules when promtool is installed (else the structure tests above stand alone)", () => {
    const found = spawnSync("promtool", ["--version"], { encoding: "utf8" });
    if (found.error) {
      console.info("promtool not found: checked the rules' YAML structure only");
      return;
    }
    const out = execFileSync("promtool", ["check", "rules", ...ruleFiles.map((f) => path.join(promDir, f))], { encoding: "utf8" });
    console.info(`promtool ran: ${out.trim().replace(/\s+/g, " ")}`);
    expect(out).toMatch(/SUCCESS/);
  });
});

describe("Grafana dashboards (deploy/grafana)", () => {
  it("mirror the three portal dashboards, each panel querying metrics we export or record", () => {
    expect(dashboards.sort()).toEqual(["provisio-slo-debug.json", "provisio-slo-executive.json", "provisio-slo-oncall.json"]);
    for (const file of dashboards) {
      const d = JSON.parse(readFileSync(path.join(grafanaDir, file), "utf8")) as {
        uid: string;
        title: string;
        panels: { id: number; title: string; type: string; gridPos: object; targets: { expr: string; refId: string }[] }[];
        templating: { list: { name: string }[] };
      };
      expect(d.uid).toBe(file.replace(/\.json$/, ""));
      expect(d.title).toMatch(/^Provisio SLOs — /);
      expect(d.templating.list.map((v) => v.name)).toContain("DS_PROMETHEUS");
      expect(new Set(d.panels.map((p) => p.id)).size).toBe(d.panels.length);
      for (const panel of d.panels) {
        expect(panel.targets.length, panel.title).toBeGreaterThan(0);
        for (const t of panel.targets) for (const name of metricNames(t.expr)) expect(known(name), `${file} ${panel.title}: ${name}`).toBe(true);
      }
    }
  });
});
