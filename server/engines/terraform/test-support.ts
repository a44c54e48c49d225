/**
 * Helpers for tests of the terraform engine and its runner: a template of the catalog (or one
 * written inline) turned into an EnvironmentSpec, the way the runner builds it.
 */
import { randomUUID } from "node:crypto";
import path from "node:path";
import { parameterDefaults, type ParameterValue } from "~/server/schemas/template-parameters";
import { readTemplateFolders } from "~/server/templates/files";
import type { TemplateDocument, Tier } from "~/server/templates/format";
import { parseTemplateYaml } from "~/server/templates/parse";
import { planTemplate } from "~/server/templates/plan";
import { envVar } from "~/server/env";
import type { EnvironmentSpec } from "../engine";
import { locateBinary } from "./settings";

export const cliBinary = locateBinary(envVar("PROVISIO_TERRAFORM_BIN"));
export const skipMessage = "terraform engine tests skipped: no terraform or tofu binary on PATH";

export type TestTemplate = { document: TemplateDocument; moduleFiles: Record<string, string> };

/** A shipped template from templates/. */
export async function catalogTemplate(name: string): Promise<TestTemplate> {
  const root = path.resolve(import.meta.dirname, "../../../templates");
  const found = (await readTemplateFolders(root)).find((f) => f.folder === name);
  if (!found?.parsed.ok) throw new Error(`template ${name} is missing or invalid: ${JSON.stringify(found?.parsed.issues)}`);
  return { document: found.parsed.document, moduleFiles: found.moduleFiles };
}

/** A template from YAML text and module files (checked like templates:check does). */
export function inlineTemplate(yaml: string, moduleFiles: Record<string, string>): TestTemplate {
  const parsed = parseTemplateYaml(yaml, { moduleFiles: Object.keys(moduleFiles), moduleSources: moduleFiles });
  if (!parsed.ok) throw new Error(`invalid test template: ${parsed.issues.map((i) => `${i.path}: ${i.message}`).join("; ")}`);
  return { document: parsed.document, moduleFiles };
}

export function specFor(
  template: TestTemplate,
  options: { environmentId?: string; parameters?: Record<string, ParameterValue>; tier?: Tier; name?: string } = {},
): EnvironmentSpec {
  const environmentId = options.environmentId ?? randomUUID();
  const parameters = { ...parameterDefaults(template.document.spec.parameters), ...options.parameters };
  const tier = options.tier ?? template.document.spec.tiers[0] ?? "dev";
  const name = options.name ?? "tf-test";
  const plan = planTemplate(template.document.metadata.name, template.document.spec, parameters, {
    environmentName: name,
    tier,
    team: "payments",
    tagValues: {
      team: "payments",
      owner: "dana@example.com",
      "cost-center": "CC-42",
      "expires-at": "2030-01-01T00:00:00.000Z",
      "request-id": randomUUID(),
      "environment-id": environmentId,
    },
  });
  return {
    environmentId,
    template: {
      name: template.document.metadata.name,
      version: template.document.spec.version,
      document: template.document,
      moduleFiles: template.moduleFiles,
    },
    parameters,
    environment: { name, tier, team: "payments" },
    tags: plan.resources[0]?.tags ?? {},
    planned: plan.resources.map((r) => ({
      address: r.address,
      id: r.id,
      index: r.index,
      region: r.region,
      size: r.size,
      hourlyMicros: r.hourlyMicros,
    })),
  };
}

/** A template whose module creates `count` terraform_data resources one after another, each running `sleep`. */
export function slowTemplate(name: string, steps: number[], extraCommand = ""): TestTemplate {
  const resources = steps
    .map(
      (seconds, i) => `resource "terraform_data" "step${i}" {
  input = { step = ${i}, tags = var.tags }
  ${i > 0 ? `depends_on = [terraform_data.step${i - 1}]` : ""}
  provisioner "local-exec" {
    command = "sleep ${seconds}${extraCommand ? `; ${extraCommand}` : ""}"
  }
}
`,
    )
    .join("\n");
  const moduleText = `variable "tags" {
  type    = map(string)
  default = {}
}

${resources}
output "last" {
  value = terraform_data.step${steps.length - 1}.id
}
`;
  const yaml = moduleTemplateYaml(name, "Slow steps", "Resources that take a while, for lock and crash tests.");
  return inlineTemplate(yaml, { "module/main.tf": moduleText });
}

/** template.yaml of a terraform template with one module (`steps`, from ./module) and its output `last`. */
export function moduleTemplateYaml(name: string, title = "Test module", description = "A module for error tests."): string {
  return `apiVersion: provisio.dev/v1
kind: Template
metadata:
  name: ${name}
  title: ${title}
  description: ${description}
  category: compute
  owner: Platform team
spec:
  version: 1.0.0
  engine: terraform
  tiers: [dev]
  resources:
    - id: steps
      type: module
      properties:
        source: ./module
  outputs:
    - name: last
      value: \${resources.steps.last}
  policy:
    ttl:
      dev: { default: 1d, max: 7d }
    approvals:
      dev: []
`;
}
