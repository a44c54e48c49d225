import { describe, expect, it } from "vitest";
import { templateDocumentFor } from "~/testing/templates";
import { estimateCostRange } from "./cost-range";
import { planTemplate } from "./plan";

const doc = templateDocumentFor("box");
doc.spec.parameters.push(
  { name: "zones", title: "Zones", type: "integer", minimum: 1, maximum: 3, default: 2, required: true },
  { name: "public", title: "Public", type: "boolean", default: false, required: true },
);
doc.spec.resources[1]!.count = "${params.zones}";
doc.spec.resources[1]!.properties.cidr = "10.0.${index}.0/24";
doc.spec.resources.push({ id: "ip_box", type: "instance", when: "${params.public}", properties: { ...doc.spec.resources[2]!.properties, public_ip: true } });

const plan = (params: Record<string, string | number | boolean>) =>
  planTemplate("box", doc.spec, { instance_type: "t3.small", disk_gb: 20, zones: 2, public: false, ...params }, { environmentName: "demo", tier: "dev", team: "payments" });

describe("plan", () => {
  it("expands counted resources with their index and skips resources whose `when` is false", () => {
    const p = plan({ zones: 3 });
    expect(p.resources.map((r) => r.address)).toEqual(["net", "subnet[0]", "subnet[1]", "subnet[2]", "box"]);
    expect(p.resources.find((r) => r.address === "subnet[2]")?.properties.cidr).toBe("10.0.2.0/24");
    expect(plan({ public: true }).resources.map((r) => r.address)).toContain("ip_box");
  });

  it("keeps references to other resources for apply time", () => {
    const box = plan({}).resources.find((r) => r.id === "box");
    expect(box?.properties.subnet).toEqual({ $ref: "resources.subnet.id" });
    expect(box?.properties.instance_type).toBe("t3.small");
    expect(box?.size).toBe("t3.small, 20 GB gp3");
  });

  it("puts the mandatory tags and the template's tags on every resource", () => {
    const tags = plan({}).resources[0]?.tags;
    expect(tags).toMatchObject({ team: "payments", tier: "dev", template: "box", "template-version": "1.0.0", "managed-by": "provisio", service: "t3.small" });
    expect(tags?.["request-id"]).toBe("(assigned on submit)");
  });

  it("costs each resource and the total in integer cents", () => {
    const p = plan({});
    const box = p.resources.find((r) => r.id === "box");
    // t3.small $0.0208/h + 20 GB gp3 at $0.08/GB-month.
    expect(box?.monthlyCents).toBe(1_518 + 160);
    // The total is rounded once, from the exact hourly sum, not from rounded parts.
    expect(p.hourlyMicros).toBe(p.resources.reduce((s, r) => s + r.hourlyMicros, 0));
    expect(p.monthlyCents).toBe(Math.round((p.hourlyMicros * 730) / 10_000));
    // One more box ($0.0208/h + 20 GB at $0.08/GB-month = 2192 µ$/h) and its public IPv4 ($0.005/h).
    expect(plan({ public: true }).hourlyMicros).toBe(p.hourlyMicros + 20_800 + 2_192 + 5_000);
  });

  it("finds the cheapest and dearest choices for the catalog's cost range", () => {
    const range = estimateCostRange(doc);
    expect(range.minMonthlyCents).toBe(plan({ instance_type: "t3.micro", disk_gb: 10 }).monthlyCents);
    expect(range.maxMonthlyCents).toBe(plan({ instance_type: "m5.large", disk_gb: 200, public: true }).monthlyCents);
    expect(range.defaultMonthlyCents).toBe(plan({}).monthlyCents);
  });
});
