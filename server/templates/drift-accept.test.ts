/** Which drift can be accepted, with which parameter values (pure): every case the mapping supports or refuses. */
import { describe, expect, it } from "vitest";
import type { DriftReport, ValueDrift } from "~/server/engines/drift";
import { planDriftAccept } from "./drift-accept";
import { templateDocument, type TemplateDocument } from "./format";

const document: TemplateDocument = templateDocument.parse({
  apiVersion: "provisio.dev/v1",
  kind: "Template",
  metadata: { name: "accept-test", title: "Accept test", description: "A template for the accept mapping.", category: "compute", owner: "Platform" },
  spec: {
    version: "1.0.0",
    engine: "sim",
    tiers: ["dev"],
    parameters: [
      { name: "size", title: "Size", type: "string", enum: ["t3.small", "t3.medium"], default: "t3.small" },
      { name: "disk", title: "Disk", type: "integer", minimum: 10, maximum: 100, default: 20 },
      { name: "prefix", title: "Network prefix", type: "string", enum: ["10.20", "10.21"], default: "10.20" },
      { name: "zones", title: "Zones", type: "integer", minimum: 1, maximum: 3, default: 1 },
    ],
    resources: [
      { id: "network", type: "network", properties: { region: "eu-west-1", cidr: "${params.prefix}.0.0/16" } },
      {
        id: "vm",
        type: "instance",
        count: "${params.zones}",
        properties: {
          instance_type: "${params.size}",
          disk_gb: "${params.disk}",
          name: "vm-${params.size}-${index}",
          subnet: "${resources.network.id}",
          image: "debian-12",
        },
      },
    ],
    policy: { ttl: {}, approvals: {} },
  },
});
const current = { size: "t3.small", disk: 20, prefix: "10.20", zones: 1 };

const changed = (address: string, properties: ValueDrift[], tags: ValueDrift[] = []): DriftReport["resources"][number] => ({
  kind: "changed",
  address,
  type: "instance",
  providerId: "i-1",
  properties,
  tags,
});
const plan = (...resources: DriftReport["resources"]) => planDriftAccept(document, current, { resources });

describe("accepting drift: which properties map back to parameters", () => {
  it("accepts a property set from one parameter, typed as the parameter, on a counted resource too", () => {
    expect(
      plan(
        changed("vm[0]", [
          { path: "instance_type", desired: "t3.small", actual: "t3.medium" },
          { path: "disk_gb", desired: 20, actual: 40 },
        ]),
      ),
    ).toMatchObject({ acceptable: true, parameters: { size: "t3.medium", disk: 40 } });
  });

  it("accepts a string with one parameter and literal text around it, taking the text between", () => {
    const result = plan(changed("network", [{ path: "cidr", desired: "10.20.0.0/16", actual: "10.21.0.0/16" }]));
    expect(result).toMatchObject({ acceptable: true, parameters: { prefix: "10.21" } });
    // Another form than the template's cannot be split back.
    expect(plan(changed("network", [{ path: "cidr", desired: "10.20.0.0/16", actual: "10.21.0.0/24" }]))).toMatchObject({
      acceptable: false,
      why: expect.stringMatching(/does not have the template's form/),
    });
  });

  it("refuses a value the parameter does not allow, naming the parameter and the rule", () => {
    const result = plan(changed("vm[0]", [{ path: "instance_type", desired: "t3.small", actual: "t3.micro" }]));
    expect(result).toMatchObject({ acceptable: false });
    expect(result.acceptable === false && result.why).toMatch(/t3\.micro is not a value the template allows for Size \(size\): must be one of: t3\.small, t3\.medium/);
    expect(plan(changed("vm[0]", [{ path: "disk_gb", desired: 20, actual: 500 }]))).toMatchObject({ acceptable: false, why: expect.stringMatching(/at most 100/) });
  });

  it("refuses literals, several references, resource references, tags, missing and extra resources, saying why", () => {
    const why = (report: DriftReport["resources"][number]) => {
      const r = plan(report);
      return r.acceptable ? "" : r.why;
    };
    expect(why(changed("vm[0]", [{ path: "image", desired: "debian-12", actual: "ubuntu-24.04" }]))).toMatch(/fixed value/);
    expect(why(changed("vm[0]", [{ path: "name", desired: "vm-t3.small-0", actual: "vm-x-0" }]))).toMatch(/several values/);
    expect(why(changed("vm[0]", [{ path: "subnet", desired: "subnet-1", actual: "subnet-2" }]))).toMatch(/another resource/);
    expect(why(changed("vm[0]", [], [{ path: "owner", desired: "dana", actual: "mallory" }]))).toMatch(/tag policy/);
    expect(why({ kind: "missing", address: "vm[0]", type: "instance", providerId: "i-1" })).toMatch(/reconcile re-creates it/);
    expect(why({ kind: "extra", address: "vm[1]", type: "instance", providerId: "i-2" })).toMatch(/reconcile deletes it/);
    // One refused item refuses the whole accept: a half-accepted drift would still be drift.
    expect(
      plan(
        changed("vm[0]", [
          { path: "instance_type", desired: "t3.small", actual: "t3.medium" },
          { path: "image", desired: "debian-12", actual: "ubuntu-24.04" },
        ]),
      ),
    ).toMatchObject({ acceptable: false, items: [expect.objectContaining({ parameter: "size" }), expect.objectContaining({ parameter: null })] });
  });

  it("refuses two properties that need one parameter to hold two values", () => {
    const result = plan(
      changed("vm[0]", [{ path: "instance_type", desired: "t3.small", actual: "t3.medium" }]),
      changed("vm[1]", [{ path: "instance_type", desired: "t3.small", actual: "t3.small" }]),
    );
    expect(result).toMatchObject({ acceptable: false, why: expect.stringMatching(/one parameter cannot hold both/) });
  });
});
