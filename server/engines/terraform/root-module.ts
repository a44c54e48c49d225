/**
 * The root configuration Provisio writes for a terraform template: `main.tf.json` (backend, one
 * variable per template parameter, the module calls and `terraform_data` resources of the
 * template, provider default tags where the provider has them, one output per template output)
 * and `terraform.tfvars.json` (the parameter values, the tags, the environment's name, tier and
 * team).
 *
 * Parameter values are never written into configuration text: `${params.x}` becomes `var.x`,
 * `${env.name}` becomes `var.provisio_environment.name`, and only the template's own text (which
 * an admin published) and expressions Provisio builds appear in main.tf.json. Resource references
 * become Terraform references (`module.queue.queue_arn`, `terraform_data.x.output`), so Terraform
 * orders and applies the whole environment itself. `count: ${params.n}` becomes `count = var.n`,
 * `when: ${params.x}` becomes `count = var.x ? 1 : 0` (so such a resource's address ends in `[0]`).
 *
 * Tags: every module call gets `tags = var.provisio_tags` (the module contract: it declares
 * `variable "tags"` and merges it into what it creates; templates:check refuses a module without
 * it), every root `terraform_data` gets them as `input.tags`, and a module that uses the AWS
 * provider also gets them as the provider's `default_tags`.
 */
import type { ParameterSpec, ParameterValue } from "~/server/schemas/template-parameters";
import { parseExpressionString, type Reference } from "~/server/templates/expressions";
import type { ResourceSpec, TemplateSpec } from "~/server/templates/format";

/** Names of the variables Provisio itself sets; template parameters may not use the prefix. */
export const reservedVariablePrefix = "provisio_";
export const tagsVariable = "provisio_tags";
export const environmentVariable = "provisio_environment";

export type RootModuleInput = {
  spec: Pick<TemplateSpec, "parameters" | "resources" | "outputs">;
  parameters: Record<string, ParameterValue | undefined>;
  environment: { name: string; tier: string; team: string };
  tags: Record<string, string>;
  /** The pg backend and its schema, or null for a local scratch state (plan previews). */
  backend: { schemaName: string } | null;
  /** Providers the module uses that support default tags (see moduleProviders). */
  defaultTagProviders?: readonly "aws"[];
};

export type RootModule = {
  mainTf: Record<string, unknown>;
  tfvars: Record<string, unknown>;
};

const typeOf: Record<ParameterSpec["type"], string> = { string: "string", integer: "number", number: "number", boolean: "bool" };

/** A native-syntax string literal: JSON escapes, plus `$${` and `%%{` so nothing is interpolated. */
export function hclString(text: string): string {
  const escaped = text
    .replace(/\\/g, "\\\\")
    .replace(/"/g, '\\"')
    .replace(/\n/g, "\\n")
    .replace(/\r/g, "\\r")
    .replace(/\t/g, "\\t")
    .replace(/[\u0000-\u001f\u007f\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
  return `"${escapeTemplateText(escaped)}"`;
}

/** Literal text inside a template string: `${` and `%{` would start interpolation or directives. */
function escapeTemplateText(text: string): string {
  return text.replace(/\$\{/g, () => "$${").replace(/%\{/g, () => "%%{");
}

/** How a template resource is addressed in the root module. */
function addressing(resource: ResourceSpec) {
  const kind = resource.type === "module" ? "module" : "resource";
  const base = kind === "module" ? `module.${resource.id}` : `${resource.type}.${resource.id}`;
  const counted = resource.count !== undefined;
  const conditional = resource.when !== undefined && resource.when !== true;
  return { kind, base, counted, conditional };
}

/** `${params.x}` as a whole value: the variable; a literal stays a literal. */
function paramOrLiteral(value: unknown): string | null {
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  if (typeof value !== "string") return null;
  const name = /^\$\{params\.([a-z][a-z0-9_]*)\}$/.exec(value.trim())?.[1];
  return name ? `var.${name}` : null;
}

/** The `count` expression of a resource, or null when it always exists exactly once. */
export function countExpression(resource: ResourceSpec): string | null {
  const count = resource.count === undefined ? null : paramOrLiteral(resource.count);
  if (resource.when === undefined || resource.when === true) return count;
  const when = paramOrLiteral(resource.when);
  if (when === "false") return "0";
  return `${when} ? ${count ?? "1"} : 0`;
}

/**
 * The Terraform address of a template resource instance: `queue` → `module.queue`,
 * `subnets[2]` → `module.subnets[2]`, a `when` resource → `terraform_data.x[0]`.
 */
export function terraformAddress(resource: ResourceSpec, index: number | null): string {
  const { base, counted, conditional } = addressing(resource);
  if (counted) return `${base}[${index ?? 0}]`;
  return conditional ? `${base}[0]` : base;
}

class Translator {
  private readonly resources: Map<string, ResourceSpec>;

  constructor(resources: readonly ResourceSpec[]) {
    this.resources = new Map(resources.map((r) => [r.id, r]));
  }

  reference(ref: Reference, where: { counted: boolean }): string {
    switch (ref.kind) {
      case "param":
        return `var.${ref.name}`;
      case "env":
        return `var.${environmentVariable}.${ref.name}`;
      case "index":
        if (!where.counted) throw new Error("${index} is only available in a resource with count");
        return "count.index";
      case "resource": {
        const target = this.resources.get(ref.id);
        if (!target) throw new Error(`resource "${ref.id}" is not declared`);
        const { base, counted, conditional } = addressing(target);
        const attribute = ref.attribute === "*" ? "" : `.${ref.attribute}`;
        if (ref.instance === "index") {
          if (!where.counted) throw new Error("[index] is only available in a resource with count");
          return `${base}[count.index]${attribute}`;
        }
        if (typeof ref.instance === "number") return `${base}[${ref.instance}]${attribute}`;
        if (counted) return `${base}[*]${attribute}`;
        return conditional ? `${base}[0]${attribute}` : `${base}${attribute}`;
      }
    }
  }

  /** Any template value as a native-syntax expression. */
  value(value: unknown, where: { counted: boolean }): string {
    if (value === null || value === undefined) return "null";
    if (typeof value === "number" || typeof value === "boolean") return String(value);
    if (Array.isArray(value)) return `[${value.map((v) => this.value(v, where)).join(", ")}]`;
    if (typeof value === "object") {
      const entries = Object.entries(value as Record<string, unknown>).map(([k, v]) => `${hclString(k)} = ${this.value(v, where)}`);
      return `{${entries.join(", ")}}`;
    }
    const text = String(value);
    if (!text.includes("${")) return hclString(text);
    const { segments, errors } = parseExpressionString(text);
    if (errors.length) throw new Error(errors[0]);
    const only = segments.length === 1 ? segments[0] : undefined;
    if (only && typeof only !== "string") return this.reference(only.ref, where);
    const body = segments.map((s) => (typeof s === "string" ? hclString(s).slice(1, -1) : `\${${this.reference(s.ref, where)}}`)).join("");
    return `"${body}"`;
  }
}

/** `"${expr}"`: how a native expression is written as a JSON-syntax attribute value. */
const wrap = (expression: string) => `\${${expression}}`;

/** main.tf.json and terraform.tfvars.json for an environment of a terraform template. */
export function buildRootModule(input: RootModuleInput): RootModule {
  const { spec } = input;
  const translator = new Translator(spec.resources);

  const variables: Record<string, unknown> = {};
  for (const p of spec.parameters) {
    if (p.name.startsWith(reservedVariablePrefix))
      throw new Error(`parameter "${p.name}": names starting with ${reservedVariablePrefix} are reserved`);
    variables[p.name] = { type: typeOf[p.type], ...(p.required === false || p.default !== undefined ? { default: null } : {}) };
  }
  variables[tagsVariable] = { type: "map(string)" };
  variables[environmentVariable] = { type: "object({name = string, tier = string, team = string})" };

  const modules: Record<string, unknown> = {};
  const resources: Record<string, Record<string, unknown>> = {};
  let providerRegion: string | null = null;
  for (const resource of spec.resources) {
    const where = { counted: resource.count !== undefined };
    const count = countExpression(resource);
    const countAttribute = count === null ? {} : { count: /^\d+$/.test(count) ? Number(count) : wrap(count) };
    const properties = resource.properties;
    if (providerRegion === null && properties.region !== undefined) providerRegion = translator.value(properties.region, where);
    if (resource.type === "module") {
      const inputs = (properties.inputs ?? {}) as Record<string, unknown>;
      const block: Record<string, unknown> = { source: "./module", ...countAttribute };
      for (const [name, value] of Object.entries(inputs)) {
        if (name === "tags") continue;
        block[name] = wrap(translator.value(value, where));
      }
      block.tags = wrap(inputs.tags === undefined ? `var.${tagsVariable}` : `merge(${translator.value(inputs.tags, where)}, var.${tagsVariable})`);
      modules[resource.id] = block;
    } else if (resource.type === "terraform_data") {
      const raw = properties.input ?? {};
      let input: string;
      if (raw && typeof raw === "object" && !Array.isArray(raw)) {
        const { tags: own, ...rest } = raw as Record<string, unknown>;
        const tags = own === undefined ? `var.${tagsVariable}` : `merge(${translator.value(own, where)}, var.${tagsVariable})`;
        const fields = Object.entries(rest).map(([k, v]) => `${hclString(k)} = ${translator.value(v, where)}`);
        input = `{${[...fields, `"tags" = ${tags}`].join(", ")}}`;
      } else {
        input = `merge(${translator.value(raw, where)}, {"tags" = var.${tagsVariable}})`;
      }
      (resources.terraform_data ??= {})[resource.id] = { ...countAttribute, input: wrap(input) };
    } else {
      throw new Error(`resource "${resource.id}": the terraform engine has no resource type "${resource.type}"`);
    }
  }

  const outputs: Record<string, unknown> = {};
  for (const output of spec.outputs) {
    if (output.when === false) continue;
    const value = translator.value(output.value, { counted: false });
    const when = output.when === undefined || output.when === true ? null : paramOrLiteral(output.when);
    outputs[output.name] = { value: wrap(when ? `${when} ? ${value} : null` : value), sensitive: output.sensitive };
  }

  const terraform: Record<string, unknown> = { required_version: ">= 1.4.0" };
  // The engine creates the schema, table and index itself, as their owner; the CLI's own role
  // may only read and write state rows, so it must not try to create them.
  if (input.backend)
    terraform.backend = {
      pg: { schema_name: input.backend.schemaName, skip_schema_creation: true, skip_table_creation: true, skip_index_creation: true },
    };
  const mainTf: Record<string, unknown> = { terraform, variable: variables };
  if (input.defaultTagProviders?.includes("aws")) {
    terraform.required_providers = { aws: { source: "hashicorp/aws" } };
    mainTf.provider = {
      aws: [{ ...(providerRegion ? { region: wrap(providerRegion) } : {}), default_tags: [{ tags: wrap(`var.${tagsVariable}`) }] }],
    };
  }
  if (Object.keys(modules).length) mainTf.module = modules;
  if (Object.keys(resources).length) mainTf.resource = resources;
  if (Object.keys(outputs).length) mainTf.output = outputs;

  const tfvars: Record<string, unknown> = {};
  for (const p of spec.parameters) {
    const value = input.parameters[p.name];
    if (value !== undefined) tfvars[p.name] = value;
  }
  tfvars[tagsVariable] = input.tags;
  tfvars[environmentVariable] = input.environment;
  return { mainTf, tfvars };
}
