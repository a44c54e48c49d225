import { describe, expect, it } from "vitest";
import { engineRegistry } from "./registry";
import { centsOverHours, monthlyCents, parseDecimalMicros, priceLines } from "./pricing";

const sim = engineRegistry.sim.priceList;

describe("pricing", () => {
  it("parses decimal prices exactly, never through floats", () => {
    expect(parseDecimalMicros("0.0416")).toBe(41_600);
    expect(parseDecimalMicros("3.06")).toBe(3_060_000);
    expect(parseDecimalMicros("0.1")).toBe(100_000);
    // 0.1 + 0.2 in floats is 0.30000000000000004; in micro-dollars it is exact.
    expect(parseDecimalMicros("0.1") + parseDecimalMicros("0.2")).toBe(parseDecimalMicros("0.3"));
    expect(() => parseDecimalMicros("1e-3")).toThrow("not a decimal");
    expect(() => parseDecimalMicros("0.1234567")).toThrow("at most 6 places");
  });

  it("prices instances per hour and months at 730 hours", () => {
    const [line] = priceLines(sim, [{ sku: "instance.m5.large", quantity: 3 }], "us-east-1");
    expect(line?.hourlyMicros).toBe(288_000); // 3 × $0.096
    expect(monthlyCents(line!.hourlyMicros)).toBe(21_024); // $210.24
    expect(centsOverHours(line!.hourlyMicros, 72)).toBe(2_074); // 3 days
  });

  it("turns GB-month prices into hourly rates", () => {
    const [line] = priceLines(sim, [{ sku: "volume.gp3", quantity: 100 }], "us-east-1");
    expect(monthlyCents(line!.hourlyMicros)).toBe(800); // 100 GB × $0.08
  });

  it("applies the region multiplier and the spot modifier", () => {
    const [eu] = priceLines(sim, [{ sku: "instance.m5.large", quantity: 1 }], "eu-west-1");
    expect(eu?.hourlyMicros).toBe(107_040); // $0.096 × 1.115
    const [spot] = priceLines(sim, [{ sku: "instance.m5.large", quantity: 1, modifier: "spot" }], "us-east-1");
    expect(spot?.hourlyMicros).toBe(33_600); // 35 % of on-demand
    expect(spot?.title).toContain("spot capacity");
  });

  it("refuses a sku or modifier the price list does not have", () => {
    expect(() => priceLines(sim, [{ sku: "instance.z9.mega", quantity: 1 }], null)).toThrow('sku "instance.z9.mega" is not in the sim price list');
    expect(() => priceLines(sim, [{ sku: "nat_gateway", quantity: 1, modifier: "reserved" }], null)).toThrow('price modifier "reserved"');
  });

  it("names the public source of every engine's figures", () => {
    for (const catalog of Object.values(engineRegistry)) {
      expect(catalog.priceList.source.url).toMatch(/^https:\/\//);
      expect(catalog.priceList.hoursPerMonth).toBe(730);
      for (const [sku, entry] of Object.entries(catalog.priceList.skus)) {
        expect(entry.hourly ?? entry.monthly, `${catalog.name} ${sku}`).toMatch(/^\d+(\.\d{1,6})?$/);
      }
    }
  });
});
