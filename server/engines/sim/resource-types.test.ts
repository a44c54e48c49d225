import { describe, expect, it } from "vitest";
import { monthlyCents, priceLines } from "../pricing";
import { simPriceList, simResourceTypes } from "./resource-types";
import type { PriceList } from "../types";

const prices = simPriceList as PriceList;
const monthly = (type: string, properties: Record<string, unknown>, region = "us-east-1") => {
  const definition = simResourceTypes[type]!;
  const parsed = definition.properties.parse(properties);
  return priceLines(prices, definition.cost(parsed), region).map((l) => [l.sku, l.modifier ?? null, monthlyCents(l.hourlyMicros)]);
};

describe("sim resource types added for snapshots and managed databases", () => {
  it("prices a managed database by engine and class, storage per GB-month, multi-AZ at twice both", () => {
    const base = {
      region: "us-east-1",
      engine: "postgres",
      engine_version: "16",
      instance_class: "db.m5.large",
      storage_gb: 100,
      subnets: ["subnet-0123456789abcdef0"],
    };
    expect(monthly("managed_database", base)).toEqual([
      ["database.postgres.db.m5.large", null, 12_994], // $0.178 × 730
      ["database.storage.gp3", null, 1_150], // 100 GB × $0.115
    ]);
    expect(monthly("managed_database", { ...base, engine: "mysql", multi_az: true })).toEqual([
      ["database.mysql.db.m5.large", "multi_az", 24_966], // $0.171 × 2 × 730
      ["database.storage.gp3", "multi_az", 2_300],
    ]);
    expect(simResourceTypes.managed_database?.sensitiveAttributes).toEqual(["password", "url"]);
  });

  it("prices a snapshot on its expected size", () => {
    expect(monthly("volume_snapshot", { region: "us-east-1", volume: "vol-0123456789abcdef0", expected_size_gb: 50 })).toEqual([
      ["snapshot.standard", null, 250],
    ]);
  });

  it("names the field of a bad database request", () => {
    const result = simResourceTypes.managed_database!.properties.safeParse({
      region: "us-east-1",
      engine: "oracle",
      engine_version: "16",
      instance_class: "db.x9.mega",
      storage_gb: 5,
      subnets: [],
    });
    expect(result.success).toBe(false);
    const paths = result.error!.issues.map((i) => `${i.path.join(".")}: ${i.message}`);
    expect(paths).toContain("engine: must be postgres or mysql");
    expect(paths.some((p) => p.startsWith("instance_class: must be a database class of the sim price list (db.t3.micro"))).toBe(true);
    expect(paths).toContain("storage_gb: at least 20 GB");
  });
});

describe("immutable properties", () => {
  it("include every property the simulated cloud refuses to change in place, so a plan shows replace where the cloud would refuse", async () => {
    const { kinds } = await import("./cloud/kinds");
    for (const [type, kind] of Object.entries(kinds)) {
      const declared = simResourceTypes[type]?.immutable ?? [];
      for (const field of kind.immutable) expect(declared, `${type}.${field}`).toContain(field);
    }
  });

  it("mark the resources that hold data as stateful", () => {
    const stateful = Object.values(simResourceTypes)
      .filter((d) => d.stateful)
      .map((d) => d.type)
      .sort();
    expect(stateful).toEqual(["bucket", "managed_database", "volume", "volume_snapshot"]);
  });
});
