/** The root configuration Provisio writes, and the module contract templates:check enforces (no CLI needed). */
import { describe, expect, it } from "vitest";
import { parseTemplateYaml } from "~/server/templates/parse";
import { inspectModule } from "./module-inspect";
import { buildRootModule, hclString } from "./root-module";
import { catalogTemplate } from "./test-support";

const tags = { team: "payments", "managed-by": "provisio" };
const environment = { name: "orders", tier: "dev", team: "payments" };

describe("the root module", () => {
  it("passes parameters only as variables: no value the user typed appears in main.tf.json", async () => {
    const { document } = await catalogTemplate("event-queue-terraform");
    const parameters = {
      queue_name: "zz-very-unusual-name",
      queue_type: "fifo",
      region: "eu-west-1",
      visibility_timeout_seconds: 4242,
      message_retention_days: 4,
      max_receive_count: 5,
      expected_million_requests: 5,
      idempotency_table: true,
    };
    const { mainTf, tfvars } = buildRootModule({
      spec: document.spec,
      parameters,
      environment,
      tags,
      backend: { schemaName: "provisio_terraform_state" },
    });
    const text = JSON.stringify(mainTf);
    for (const value of ["zz-very-unusual-name", "4242", "eu-west-1", "fifo", "payments"]) expect(text).not.toContain(value);
    expect(tfvars).toMatchObject({ ...parameters, provisio_tags: tags, provisio_environment: environment });
    expect(mainTf).toMatchObject({
      terraform: { backend: { pg: { schema_name: "provisio_terraform_state" } } },
      variable: {
        queue_name: { type: "string" },
        visibility_timeout_seconds: { type: "number", default: null },
        idempotency_table: { type: "bool", default: null },
        provisio_tags: { type: "map(string)" },
      },
      module: { queue: { source: "./module", queue_name: "${var.queue_name}", region: "${var.region}", tags: "${var.provisio_tags}" } },
      output: { queue_url: { value: "${module.queue.queue_url}", sensitive: false } },
    });
    // `when` is a count on the variable; the reference to the module's output is a Terraform reference.
    const idempotency = (mainTf.resource as { terraform_data: Record<string, { count: string; input: string }> }).terraform_data.idempotency;
    expect(idempotency?.count).toBe("${var.idempotency_table ? 1 : 0}");
    expect(idempotency?.input).toContain('"queue_arn" = module.queue.queue_arn');
    expect(idempotency?.input).toContain('"name" = "${var.queue_name}-idempotency"');
    expect(idempotency?.input).toContain('"tags" = var.provisio_tags');
  });

  it("maps counts, indexes, env values and outputs with when; escapes template text", () => {
    const parsed = parseTemplateYaml(`apiVersion: provisio.dev/v1
kind: Template
metadata: { name: counted, title: Counted things, description: Several data resources for tests., category: compute, owner: Platform team }
spec:
  version: 1.0.0
  engine: terraform
  tiers: [dev]
  parameters:
    - { name: n, title: N, type: integer, minimum: 1, maximum: 5, default: 2 }
    - { name: extra, title: Extra, type: boolean, default: false }
  resources:
    - id: items
      type: terraform_data
      count: \${params.n}
      properties:
        input: { index: "\${index}", label: "item-\${index} of \${env.name} 100%{x}", tags: { kind: item } }
    - id: summary
      type: terraform_data
      when: \${params.extra}
      properties:
        input: { ids: "\${resources.items.id}", first: "\${resources.items[0].id}" }
  outputs:
    - { name: first, value: "\${resources.items[0].id}" }
    - { name: summary, when: "\${params.extra}", value: "s-\${resources.summary.id}" }
  policy:
    ttl: { dev: { default: 1d, max: 2d } }
    approvals: { dev: [] }
`);
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.issues));
    const { mainTf } = buildRootModule({ spec: parsed.document.spec, parameters: { n: 3, extra: true }, environment, tags, backend: null });
    expect(mainTf.terraform).toEqual({ required_version: ">= 1.4.0" });
    const data = (mainTf.resource as { terraform_data: Record<string, { count: unknown; input: string }> }).terraform_data;
    expect(data.items?.count).toBe("${var.n}");
    expect(data.items?.input).toBe(
      '${{"index" = count.index, "label" = "item-${count.index} of ${var.provisio_environment.name} 100%%{x}", "tags" = merge({"kind" = "item"}, var.provisio_tags)}}',
    );
    expect(data.summary?.count).toBe("${var.extra ? 1 : 0}");
    expect(data.summary?.input).toBe('${{"ids" = terraform_data.items[*].id, "first" = terraform_data.items[0].id, "tags" = var.provisio_tags}}');
    expect(mainTf.output).toEqual({
      first: { value: "${terraform_data.items[0].id}", sensitive: false },
      summary: { value: '${var.extra ? "s-${terraform_data.summary[0].id}" : null}', sensitive: false },
    });
  });

  it("gives AWS modules Provisio's tags as provider default tags", () => {
    const parsed = parseTemplateYaml(`apiVersion: provisio.dev/v1
kind: Template
metadata: { name: bucket, title: A bucket, description: An S3 bucket for tests., category: storage, owner: Platform team }
spec:
  version: 1.0.0
  engine: terraform
  tiers: [dev]
  parameters:
    - { name: region, title: Region, type: string, enum: [us-east-1, eu-west-1], default: us-east-1 }
  resources:
    - { id: bucket, type: module, properties: { region: "\${params.region}", source: ./module } }
  policy:
    ttl: { dev: { default: 1d, max: 2d } }
    approvals: { dev: [] }
`);
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.issues));
    const inspection = inspectModule({
      "module/main.tf": 'terraform {\n  required_providers {\n    aws = { source = "hashicorp/aws" }\n  }\n}\nresource "aws_s3_bucket" "b" {}\n',
    });
    expect([...inspection.providers]).toEqual(["aws"]);
    const { mainTf } = buildRootModule({
      spec: parsed.document.spec,
      parameters: { region: "us-east-1" },
      environment,
      tags,
      backend: null,
      defaultTagProviders: ["aws"],
    });
    expect(mainTf.provider).toEqual({ aws: [{ region: "${var.region}", default_tags: [{ tags: "${var.provisio_tags}" }] }] });
  });

  it("writes HCL strings that never interpolate", () => {
    expect(hclString('a "b" \\ ${x} %{if} \n')).toBe('"a \\"b\\" \\\\ $${x} %%{if} \\n"');
  });
});

describe("templates:check and the module contract", () => {
  const yaml = (inputs: string, extra = "") => `apiVersion: provisio.dev/v1
kind: Template
metadata: { name: mod, title: A module, description: A module for contract tests., category: compute, owner: Platform team }
spec:
  version: 1.0.0
  engine: terraform
  tiers: [dev]
  parameters:
    - { name: size, title: Size, type: integer, minimum: 1, maximum: 9, default: 1 }
${extra}
  resources:
    - { id: mod, type: module, properties: { source: ./module, inputs: { ${inputs} } } }
  outputs:
    - { name: token, value: "\${resources.mod.token}" }
  policy:
    ttl: { dev: { default: 1d, max: 2d } }
    approvals: { dev: [] }
`;
  const moduleFiles = (variables: string) => ({
    "module/main.tf": `${variables}\nresource "terraform_data" "x" {\n  input = "x" # a { brace in a comment }\n}\n`,
    "module/outputs.tf.json": JSON.stringify({ output: { token: { value: "${terraform_data.x.id}", sensitive: true } } }),
  });
  const issues = (text: string, files: Record<string, string>) => {
    const parsed = parseTemplateYaml(text, { moduleFiles: Object.keys(files), moduleSources: files });
    return parsed.ok ? [] : parsed.issues.map((i) => `${i.path}: ${i.message}`);
  };

  it("refuses a module that does not accept the tags", () => {
    expect(issues(yaml(`size: "${"$"}{params.size}"`), moduleFiles('variable "size" {\n  type = number\n}\n'))).toContain(
      'spec.resources[0].properties.source: the module does not accept Provisio\'s tags: declare variable "tags" { type = map(string), default = {} } in the module and merge it into the tags of everything it creates',
    );
    expect(
      issues(
        yaml(`size: "${"$"}{params.size}"`),
        moduleFiles('variable "size" {\n  type = number\n}\nvariable "tags" {\n  type = list(string)\n}\n'),
      ),
    ).toEqual(
      expect.arrayContaining([expect.stringContaining('variable "tags" in module/main.tf has type list(string); it must take a map of strings')]),
    );
  });

  it("names inputs the module lacks, variables nobody sets, missing outputs and sensitive ones shown in clear", () => {
    const vars =
      'variable "tags" {\n  type    = map(string)\n  default = {}\n}\nvariable "size" {\n  type = number\n}\nvariable "zone" {\n  type = string\n  validation {\n    condition     = length(var.zone) > 0\n    error_message = "zone = required"\n  }\n}\n';
    expect(issues(yaml(`size: "${"$"}{params.size}", colour: red`), moduleFiles(vars))).toEqual([
      'spec.resources[0].properties.inputs.colour: the module has no variable "colour" (it declares size, tags, zone)',
      'spec.resources[0].properties.inputs: the module\'s variable "zone" (module/main.tf) has no default: set it in inputs',
      'spec.outputs[0].sensitive: reads the module\'s sensitive output "token": set sensitive: true so it is stored encrypted and shown masked',
    ]);
  });

  it("refuses parameter names Provisio uses for its own variables", () => {
    const text = yaml(`size: "${"$"}{params.size}"`).replace(
      "- { name: size,",
      "- { name: provisio_tags, title: T, type: string, default: x }\n    - { name: size,",
    );
    expect(issues(text, moduleFiles('variable "tags" {\n  type = map(string)\n}\nvariable "size" {\n  type = number\n}\n'))).toEqual(
      expect.arrayContaining(["spec.parameters[0].name: names starting with provisio_ are reserved for the variables Provisio sets"]),
    );
  });

  it("accepts the shipped example", async () => {
    const { document, moduleFiles } = await catalogTemplate("event-queue-terraform");
    expect(document.metadata.name).toBe("event-queue-terraform");
    expect(Object.keys(moduleFiles).sort()).toEqual(["module/main.tf", "module/outputs.tf", "module/variables.tf", "module/versions.tf"]);
  });
});
