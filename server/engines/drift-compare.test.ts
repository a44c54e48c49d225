import { describe, expect, it } from "vitest";
import { compareDrift, driftFingerprint } from "./drift-compare";
import { planByAddress, type ActualResource, type DesiredResource } from "./engine";

const engine = { plan: planByAddress };
const tags = { "environment-id": "env-1", "managed-by": "provisio", team: "payments", "cost-center": "cc-1" };
const desired = (address: string, properties: Record<string, unknown>): DesiredResource => ({
  address,
  type: "instance",
  properties,
  tags,
  idempotencyKey: `env-1/${address}`,
});
const actual = (address: string, properties: Record<string, unknown>, extraTags: Record<string, string | undefined> = {}): ActualResource => {
  const merged: Record<string, string> = {};
  for (const [k, v] of Object.entries({ ...tags, ...extraTags })) if (v !== undefined) merged[k] = v;
  return {
    address,
    type: "instance",
    providerId: `i-${address}`,
    properties,
    attributes: {},
    sensitive: {},
    tags: merged,
    idempotencyKey: `env-1/${address}`,
    status: "ready",
  };
};

describe("compareDrift", () => {
  it("reports nothing when what exists is what the plan wants", () => {
    const report = compareDrift(engine, [desired("web", { size: "small" })], [actual("web", { size: "small" })]);
    expect(report).toEqual({ resources: [] });
    expect(driftFingerprint(report)).toBeNull();
  });

  it("names each changed property and tag with the desired and actual values", () => {
    const report = compareDrift(
      engine,
      [desired("web", { size: "small", disk_gb: 20 })],
      [actual("web", { size: "large", disk_gb: 20 }, { "cost-center": undefined, team: "other" })],
    );
    expect(report.resources).toEqual([
      {
        kind: "changed",
        address: "web",
        type: "instance",
        providerId: "i-web",
        properties: [{ path: "size", desired: "small", actual: "large" }],
        tags: [
          { path: "team", desired: "payments", actual: "other" },
          { path: "cost-center", desired: "cc-1", actual: null },
        ],
      },
    ]);
  });

  it("reports a desired resource that is gone as missing, with the provider id we recorded", () => {
    const report = compareDrift(engine, [desired("web", {}), desired("db", {})], [actual("web", {})], new Map([["db", "i-db"]]));
    expect(report.resources).toEqual([{ kind: "missing", address: "db", type: "instance", providerId: "i-db" }]);
  });

  it("reports an extra resource carrying our tags, and ignores one without managed-by", () => {
    const report = compareDrift(
      engine,
      [desired("web", {})],
      [actual("web", {}), actual("stray", {}), actual("foreign", {}, { "managed-by": undefined })],
    );
    expect(report.resources).toEqual([{ kind: "extra", address: "stray", type: "instance", providerId: "i-stray" }]);
  });

  it("treats a failed (gone) resource as missing", () => {
    const report = compareDrift(engine, [desired("web", {})], [{ ...actual("web", {}), status: "failed" }]);
    expect(report.resources.map((r) => r.kind)).toEqual(["missing"]);
  });

  it("fingerprints equal drift equally and different drift differently", () => {
    const a = compareDrift(engine, [desired("web", { size: "small" })], [actual("web", { size: "large" })]);
    const b = compareDrift(engine, [desired("web", { size: "small" })], [actual("web", { size: "large" })]);
    const c = compareDrift(engine, [desired("web", { size: "small" })], [actual("web", { size: "xlarge" })]);
    expect(driftFingerprint(a)).toBe(driftFingerprint(b));
    expect(driftFingerprint(a)).not.toBe(driftFingerprint(c));
  });
});

describe("compareDrift and key order", () => {
  it("does not take objects whose keys are in another order (jsonb) for drift", () => {
    const report = compareDrift(engine, [desired("sg", { rules: [{ port: 22, from: "x" }] })], [actual("sg", { rules: [{ from: "x", port: 22 }] })]);
    expect(report.resources).toEqual([]);
  });
});
