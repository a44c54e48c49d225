import { describe, expect, it } from "vitest";
import { diffPlans } from "./plan-diff";
import type { PlannedResource } from "./plan";

const resource = (address: string, type: string, properties: Record<string, unknown>, monthlyCents = 0): PlannedResource => ({
  address,
  id: address.replace(/\[\d+\]$/, ""),
  index: null,
  type,
  title: type,
  region: "eu-west-1",
  size: null,
  properties,
  tags: { "template-version": "1.0.0" },
  costLines: [],
  hourlyMicros: 0,
  monthlyCents,
  usage: { vcpus: 0, instances: 0, gpus: 0 },
});

const net = (cidr = "10.0.0.0/16") => resource("net", "network", { region: "eu-west-1", cidr });
const subnet = (cidr = "10.0.1.0/24") => resource("sub", "subnet", { region: "eu-west-1", network: { $ref: "resources.net.id" }, cidr });
const vm = (type = "t3.small") => resource("vm", "instance", { region: "eu-west-1", instance_type: type, image: "debian-12", subnet: { $ref: "resources.sub.id" } }, 1000);

describe("plan diff", () => {
  it("updates a mutable property in place, with the change and its cost", () => {
    const diff = diffPlans("sim", [net(), subnet(), vm()], [net(), subnet(), { ...vm("m5.large"), monthlyCents: 4000 }]);
    expect(diff.resources.find((r) => r.address === "vm")).toMatchObject({
      action: "update",
      changes: [{ property: "instance_type", from: "t3.small", to: "m5.large", immutable: false }],
      monthlyCentsBefore: 1000,
      monthlyCentsAfter: 4000,
    });
    expect(diff.counts).toMatchObject({ update: 1, noop: 2, replace: 0 });
  });

  it("replaces on an immutable property, and replaces what refers to it through an immutable property", () => {
    const diff = diffPlans("sim", [net(), subnet(), vm()], [net(), subnet("10.0.2.0/24"), vm()]);
    expect(diff.resources.find((r) => r.address === "sub")).toMatchObject({ action: "replace", reason: "cidr cannot change in place" });
    expect(diff.resources.find((r) => r.address === "vm")).toMatchObject({ action: "replace", reason: "sub is replaced and subnet cannot change in place" });
    expect(diff.resources.find((r) => r.address === "net")?.action).toBe("noop");
  });

  it("creates and deletes by address, and flags a stateful replace or delete as destructive", () => {
    const bucket = (name: string) => resource("data", "bucket", { region: "eu-west-1", name, expected_storage_gb: 1 });
    const renamed = diffPlans("sim", [net(), bucket("a-bucket")], [net(), bucket("b-bucket")]);
    expect(renamed.destructive).toEqual(["data"]);
    const removed = diffPlans("sim", [net(), bucket("a-bucket")], [net(), vm()]);
    expect(removed.resources.map((r) => [r.address, r.action])).toEqual([
      ["net", "noop"],
      ["vm", "create"],
      ["data", "delete"],
    ]);
    expect(removed.destructive).toEqual(["data"]);
  });

  it("shows a new template version's tag as an update, but not the expiry the portal moves itself", () => {
    const next = { ...net(), tags: { "template-version": "1.0.1", "expires-at": "later" } };
    expect(diffPlans("sim", [net()], [next]).resources[0]).toMatchObject({
      action: "update",
      changes: [{ property: "tags.template-version", from: "1.0.0", to: "1.0.1", immutable: false }],
    });
  });
});
