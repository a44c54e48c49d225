import { describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { templateDocumentFor, templateYaml } from "~/testing/templates";
import { parseTemplateYaml, type LocatedIssue } from "./parse";

const issuesOf = (yaml: string, options = {}): LocatedIssue[] => {
  const result = parseTemplateYaml(yaml, options);
  return result.ok ? [] : result.issues;
};

/** Applies `change` to a fresh valid document and returns the issues of the result. */
function issuesAfter(change: (doc: ReturnType<typeof templateDocumentFor>) => void, options = {}) {
  const doc = templateDocumentFor("box");
  change(doc);
  return issuesOf(stringify(doc), options);
}

describe("template format", () => {
  it("accepts a valid template", () => {
    const result = parseTemplateYaml(templateYaml("box"), { folderName: "box" });
    expect(result.ok).toBe(true);
  });

  it("reports YAML syntax errors with their line", () => {
    const [issue] = issuesOf("apiVersion: provisio.dev/v1\nkind: Template\nmetadata:\n  name: x\n  name: y\n");
    expect(issue).toMatchObject({ line: 5, message: expect.stringContaining("Map keys must be unique") });
  });

  it("names the field path and line of a schema error", () => {
    const yaml = templateYaml("box").replace("engine: sim", "engine: cloudformation");
    const [issue] = issuesOf(yaml);
    expect(issue?.path).toBe("spec.engine");
    expect(issue?.message).toContain("must be one of sim, postgres, terraform");
    expect(issue?.line).toBe(yaml.split("\n").findIndex((l) => l.includes("engine: cloudformation")) + 1);
  });

  it("refuses unknown fields, naming them", () => {
    const issues = issuesAfter((d) => Object.assign(d.spec, { flavour: "vanilla" }));
    expect(issues).toContainEqual(expect.objectContaining({ path: "spec.flavour", message: "unknown field: flavour" }));
  });

  it("requires metadata.name to match the folder", () => {
    expect(issuesOf(templateYaml("box"), { folderName: "other" })).toContainEqual(
      expect.objectContaining({ path: "metadata.name", message: 'must match the folder name "other"' }),
    );
  });

  it("refuses a default that breaks its own constraints", () => {
    const issues = issuesAfter((d) => (d.spec.parameters[1]!.default = 500));
    expect(issues).toContainEqual(expect.objectContaining({ path: "spec.parameters[1].default", message: expect.stringContaining("at most 200") }));
  });

  it("refuses a default outside its enum", () => {
    const issues = issuesAfter((d) => (d.spec.parameters[0]!.default = "p3.2xlarge"));
    expect(issues[0]?.message).toContain("must be one of: t3.micro, t3.small, m5.large");
  });

  it("refuses references to undeclared parameters and resources", () => {
    const issues = issuesAfter((d) => {
      d.spec.resources[2]!.properties.instance_type = "${params.size}";
      d.spec.resources[2]!.properties.subnet = "${resources.subnets.id}";
    });
    expect(issues.map((i) => i.message)).toEqual(
      expect.arrayContaining(['refers to parameter "size", which is not declared', 'refers to resource "subnets", which is not declared']),
    );
    expect(issues.find((i) => i.message.includes('"size"'))?.path).toBe("spec.resources[2].properties.instance_type");
  });

  it("refuses an attribute the resource type does not have", () => {
    const issues = issuesAfter((d) => (d.spec.outputs[0]!.value = "${resources.box.dns_name}"));
    expect(issues[0]?.message).toContain('resource "box" (instance) has no attribute "dns_name"');
  });

  it("refuses expressions it does not know (no code in templates)", () => {
    const issues = issuesAfter((d) => (d.spec.resources[2]!.properties.image = '${file("/etc/passwd")}'));
    expect(issues[0]?.message).toContain("is not an expression Provisio knows");
  });

  it("refuses loops between resources", () => {
    const issues = issuesAfter((d) => (d.spec.resources[0]!.properties.cidr = "${resources.subnet.cidr}"));
    expect(issues.map((i) => i.message)).toContainEqual(expect.stringContaining("loop: net → subnet → net"));
  });

  it("refuses a resource type the engine does not have, listing the ones it has", () => {
    const issues = issuesAfter((d) => (d.spec.resources[2]!.type = "mainframe"));
    expect(issues[0]).toMatchObject({ path: "spec.resources[2].type", message: expect.stringContaining('no resource type "mainframe"; it has network, subnet') });
  });

  it("validates resource properties for every choice a user can make", () => {
    // The enum offers an instance type the price list does not know: only that choice fails.
    const issues = issuesAfter((d) => (d.spec.parameters[0]!.enum = ["t3.small", "z9.mega"]));
    expect(issues).toContainEqual(
      expect.objectContaining({ path: "spec.resources[2].properties.instance_type", message: expect.stringContaining('(when instance_type = "z9.mega")') }),
    );
  });

  it("needs a TTL and approval rule for every tier, and only for its tiers", () => {
    const issues = issuesAfter((d) => {
      delete d.spec.policy.ttl.prod;
      d.spec.policy.approvals.staging = [];
    });
    expect(issues.map((i) => `${i.path}: ${i.message}`)).toEqual(
      expect.arrayContaining([
        expect.stringContaining("spec.policy.ttl: missing the prod tier"),
        "spec.policy.approvals.staging: tier staging is not in spec.tiers",
      ]),
    );
  });

  it("refuses a TTL default longer than its maximum", () => {
    const issues = issuesAfter((d) => (d.spec.policy.ttl.dev = { default: "30d", max: "14d" }));
    expect(issues[0]).toMatchObject({ path: "spec.policy.ttl.dev.default", message: "30d is longer than the maximum 14d" });
  });

  it("refuses required tags no resource would carry, and overriding mandatory tags", () => {
    const issues = issuesAfter((d) => {
      d.spec.policy.requiredTags = ["cost-center", "data-classification"];
      d.spec.policy.tags = { ...d.spec.policy.tags, owner: "me" };
    });
    expect(issues.map((i) => i.message)).toEqual(
      expect.arrayContaining([
        expect.stringContaining('required tag "data-classification" is neither a mandatory tag nor set in policy.tags'),
        '"owner" is a mandatory tag Provisio sets itself; it cannot be overridden',
      ]),
    );
  });

  it("requires sensitive: true on outputs that expose secrets", () => {
    const doc = templateDocumentFor("db");
    doc.spec.engine = "postgres";
    doc.spec.parameters = [];
    doc.spec.resources = [
      { id: "owner", type: "role", properties: { name: "app" } },
      { id: "db", type: "database", properties: { name: "app", owner: "${resources.owner.name}", size_class: "micro", storage_gb: 5 } },
    ];
    doc.spec.policy.tags = {};
    doc.spec.policy.requiredTags = [];
    doc.spec.outputs = [{ name: "url", value: "${resources.db.connection_string}", sensitive: false }];
    expect(issuesOf(stringify(doc))[0]).toMatchObject({ path: "spec.outputs[0].sensitive", message: expect.stringContaining("secret attribute") });
  });

  it("needs module files for a terraform module resource", () => {
    const doc = templateDocumentFor("tf");
    doc.spec.engine = "terraform";
    doc.spec.parameters = [];
    doc.spec.resources = [{ id: "zone", type: "module", properties: { source: "./module", inputs: { domain: "example.com" }, sku: "dns.zone" } }];
    doc.spec.outputs = [];
    doc.spec.policy.tags = {};
    doc.spec.policy.requiredTags = [];
    expect(issuesOf(stringify(doc), { moduleFiles: [] })[0]?.message).toContain("needs Terraform files in the template's module/ folder");
    expect(parseTemplateYaml(stringify(doc), { moduleFiles: ["module/main.tf"] }).ok).toBe(true);
  });

  it("only lets count and when take a literal or one parameter of the right type", () => {
    const issues = issuesAfter((d) => {
      d.spec.resources[1]!.count = "${params.instance_type}";
      d.spec.resources[2]!.when = "${params.disk_gb}";
    });
    expect(issues.map((i) => i.message)).toEqual(
      expect.arrayContaining(['count needs a parameter of type integer; "instance_type" is string', 'when needs a parameter of type boolean; "disk_gb" is integer']),
    );
  });

  it("refuses references to a resource that may not exist", () => {
    const issues = issuesAfter((d) => {
      d.spec.parameters.push({ name: "with_box", title: "Box?", type: "boolean", default: true, required: true });
      d.spec.resources[2]!.when = "${params.with_box}";
    });
    expect(issues).toContainEqual(
      expect.objectContaining({ path: "spec.outputs[0].value", message: expect.stringContaining('resource "box" is only created when ${params.with_box}; give this the same `when`') }),
    );
    const fixed = issuesAfter((d) => {
      d.spec.parameters.push({ name: "with_box", title: "Box?", type: "boolean", default: true, required: true });
      d.spec.resources[2]!.when = "${params.with_box}";
      d.spec.outputs[0]!.when = "${params.with_box}";
    });
    expect(fixed).toEqual([]);
  });

  it("checks instance references to counted resources", () => {
    const issues = issuesAfter((d) => {
      d.spec.parameters.push({ name: "zones", title: "Zones", type: "integer", minimum: 1, maximum: 3, default: 2, required: true });
      d.spec.resources[1]!.count = "${params.zones}";
      d.spec.resources[1]!.properties.cidr = "10.0.${index}.0/24";
      d.spec.resources[2]!.properties.subnet = "${resources.subnet[1].id}";
      d.spec.outputs[0]!.value = "${resources.net[0].cidr}";
    });
    expect(issues.map((i) => i.message)).toEqual(
      expect.arrayContaining(['resource "subnet" may have only 1 instance, so [1] may not exist', 'resource "net" has no count, so it has no [0]']),
    );
  });

  it("checks examples like defaults and uses them to check properties", () => {
    const issues = issuesAfter((d) => d.spec.parameters.push({ name: "cidr", title: "CIDR", type: "string", example: "not a cidr!", required: true }));
    expect(issues[0]).toMatchObject({ path: "spec.parameters[3].example", message: expect.stringContaining("is not a valid value") });
  });

  it("refuses an oversized file before parsing it", () => {
    expect(issuesOf(`# ${"x".repeat(300 * 1024)}\n`)[0]?.message).toContain("larger than 256 KB");
  });
});
