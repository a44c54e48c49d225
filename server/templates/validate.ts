/**
 * Everything `npm run templates:check`, the sync and the curation editor check about a
 * template: the format (format.ts), then the rules that span fields: names are unique,
 * references resolve (and do not loop), resource types exist in the engine and their
 * properties are valid for every choice a user can make, defaults satisfy their own
 * constraints, policy covers exactly the template's tiers, required tags can be produced,
 * and every resource has a price.
 */
import { type z } from "zod";
import { engineRegistry } from "~/server/engines/registry";
import { priceLines } from "~/server/engines/pricing";
import { str } from "~/server/engines/properties";
import { parameterValueSchema, type ParameterSpec, type ParameterValue } from "~/server/schemas/template-parameters";
import { evaluate, parseExpressionString, referencesIn, type EvaluationContext, type Reference } from "./expressions";
import { durationHours, mandatoryTagKeys, templateDocument, type TemplateDocument } from "./format";
import { instanceCount } from "./plan";

export type IssuePath = (string | number)[];
export type TemplateIssue = { path: IssuePath; message: string };

export type ValidationOptions = {
  /** The folder the file was found in: metadata.name must match it. */
  folderName?: string;
  /** Paths of the files in the template's module/ folder (terraform). */
  moduleFiles?: readonly string[];
  /** The module files' text by path (`module/main.tf`), when known: the module's contract is checked too. */
  moduleSources?: Readonly<Record<string, string>>;
};

export type ValidationResult = { ok: true; document: TemplateDocument; issues: [] } | { ok: false; document: null; issues: TemplateIssue[] };

export function validateTemplate(raw: unknown, options: ValidationOptions = {}): ValidationResult {
  const parsed = templateDocument.safeParse(raw);
  if (!parsed.success) return { ok: false, document: null, issues: parsed.error.issues.map(zodIssue([])) };
  const issues = semanticIssues(parsed.data, options);
  return issues.length === 0 ? { ok: true, document: parsed.data, issues: [] } : { ok: false, document: null, issues };
}

function zodIssue(prefix: IssuePath) {
  return (issue: z.core.$ZodIssue): TemplateIssue => {
    const path = [...prefix, ...issue.path.map((p) => (typeof p === "symbol" ? String(p) : p))];
    // Point at the unknown key itself, so the editor marks its line rather than its parent's.
    if (issue.code === "unrecognized_keys") {
      return { path: [...path, ...(issue.keys.length === 1 && issue.keys[0] ? [issue.keys[0]] : [])], message: `unknown field${issue.keys.length > 1 ? "s" : ""}: ${issue.keys.join(", ")}` };
    }
    return { path, message: issue.message };
  };
}

function duplicates(values: string[]): Set<string> {
  const seen = new Set<string>();
  const twice = new Set<string>();
  for (const v of values) (seen.has(v) ? twice : seen).add(v);
  return twice;
}

/** A value for each parameter to evaluate with: its default, else the first allowed value. */
function sampleValue(p: ParameterSpec): ParameterValue {
  if (p.default !== undefined) return p.default;
  if (p.example !== undefined) return p.example;
  if (p.enum?.[0] !== undefined) return p.enum[0];
  if (p.type === "boolean") return false;
  if (p.type === "string") return "example";
  return p.minimum ?? 1;
}

/** The parameter choices worth trying: defaults, then each enum value, range end and boolean flipped. */
export function parameterScenarios(parameters: readonly ParameterSpec[]): Record<string, ParameterValue>[] {
  const base = Object.fromEntries(parameters.map((p) => [p.name, sampleValue(p)]));
  const scenarios = [base];
  for (const p of parameters) {
    const alternatives: ParameterValue[] =
      p.type === "boolean" ? [!base[p.name]] : [...(p.enum ?? []), ...(p.minimum !== undefined ? [p.minimum] : []), ...(p.maximum !== undefined ? [p.maximum] : [])];
    for (const value of alternatives) if (value !== base[p.name]) scenarios.push({ ...base, [p.name]: value });
  }
  return scenarios;
}

function semanticIssues(doc: TemplateDocument, options: ValidationOptions): TemplateIssue[] {
  const issues: TemplateIssue[] = [];
  const add = (path: IssuePath, message: string) => issues.push({ path, message });
  const { spec } = doc;
  const catalog = engineRegistry[spec.engine];

  if (options.folderName !== undefined && doc.metadata.name !== options.folderName) {
    add(["metadata", "name"], `must match the folder name "${options.folderName}"`);
  }

  // Names are unique.
  for (const name of duplicates(spec.parameters.map((p) => p.name))) add(["spec", "parameters"], `parameter "${name}" is declared twice`);
  for (const id of duplicates(spec.resources.map((r) => r.id))) add(["spec", "resources"], `resource id "${id}" is used twice`);
  for (const name of duplicates(spec.outputs.map((o) => o.name))) add(["spec", "outputs"], `output "${name}" is declared twice`);

  // Defaults satisfy their own constraints.
  const params = new Map(spec.parameters.map((p) => [p.name, p]));
  spec.parameters.forEach((p, i) => {
    if (p.example !== undefined) {
      const example = parameterValueSchema(p).safeParse(p.example);
      if (!example.success) add(["spec", "parameters", i, "example"], `example ${JSON.stringify(p.example)} is not a valid value: ${example.error.issues[0]?.message}`);
    }
    if (p.default === undefined) {
      if (p.type === "boolean") add(["spec", "parameters", i, "default"], "a boolean parameter needs a default");
      return;
    }
    const result = parameterValueSchema(p).safeParse(p.default);
    if (!result.success) add(["spec", "parameters", i, "default"], `default ${JSON.stringify(p.default)} is not a valid value: ${result.error.issues[0]?.message}`);
    p.enum?.forEach((value, j) => {
      const r = parameterValueSchema({ ...p, enum: undefined }).safeParse(value);
      if (!r.success) add(["spec", "parameters", i, "enum", j], `${JSON.stringify(value)} is not a valid ${p.type}: ${r.error.issues[0]?.message}`);
    });
  });

  // References resolve.
  const resources = new Map(spec.resources.map((r) => [r.id, r]));
  const checkReference = (path: IssuePath, ref: Reference, where: { resourceId?: string; counted?: boolean; when?: unknown; allowResources: boolean }) => {
    if (ref.kind === "param" && !params.has(ref.name)) add(path, `refers to parameter "${ref.name}", which is not declared`);
    if (ref.kind === "index" && !where.counted) add(path, "${index} is only available in a resource with count");
    if (ref.kind === "resource") {
      if (!where.allowResources) return add(path, `cannot refer to resources here (resources.${ref.id}.${ref.attribute})`);
      const target = resources.get(ref.id);
      if (!target) return add(path, `refers to resource "${ref.id}", which is not declared`);
      if (ref.id === where.resourceId) return add(path, `resource "${ref.id}" refers to itself`);
      if (target.when !== undefined && target.when !== true && target.when !== where.when) {
        add(path, `resource "${ref.id}" is only created when ${String(target.when)}; give this the same \`when\` so it never reads a resource that does not exist`);
      }
      if (ref.instance !== undefined && target.count === undefined) add(path, `resource "${ref.id}" has no count, so it has no [${ref.instance}]`);
      if (ref.instance === "index" && !where.counted) add(path, "[index] is only available in a resource with count");
      if (typeof ref.instance === "number" && target.count !== undefined) {
        const least = typeof target.count === "number" ? target.count : minimumOf(target.count);
        if (least !== null && ref.instance >= least) add(path, `resource "${ref.id}" may have only ${least} instance${least === 1 ? "" : "s"}, so [${ref.instance}] may not exist`);
      }
      const attributes = catalog.resourceTypes[target.type]?.attributes ?? [];
      if (!attributes.includes("*") && !attributes.includes(ref.attribute)) {
        add(path, `resource "${ref.id}" (${target.type}) has no attribute "${ref.attribute}"; it has ${attributes.join(", ")}`);
      }
    }
  };
  /** The smallest count a "${params.x}" count can take. */
  const minimumOf = (expression: string): number | null => {
    const name = /^\$\{params\.([a-z][a-z0-9_]*)\}$/.exec(expression)?.[1];
    const p = name ? params.get(name) : undefined;
    return p ? (p.minimum ?? 0) : null;
  };
  const checkExpressions = (path: IssuePath, value: unknown, where: Parameters<typeof checkReference>[2]) => {
    if (typeof value === "string") {
      const { errors } = parseExpressionString(value);
      for (const e of errors) add(path, e);
      for (const ref of referencesIn(value)) checkReference(path, ref, where);
    } else if (Array.isArray(value)) value.forEach((v, i) => checkExpressions([...path, i], v, where));
    else if (value && typeof value === "object") for (const [k, v] of Object.entries(value)) checkExpressions([...path, k], v, where);
  };
  const singleParam = (path: IssuePath, value: unknown, type: ParameterSpec["type"][], what: string) => {
    if (typeof value !== "string") return;
    const { segments, errors } = parseExpressionString(value);
    const only = segments.length === 1 ? segments[0] : undefined;
    const ref = only && typeof only !== "string" ? only.ref : null;
    if (errors.length || !ref || ref.kind !== "param") return add(path, `${what} must be a literal or a single "\${params.<name>}"`);
    const p = params.get(ref.name);
    if (!p) return add(path, `refers to parameter "${ref.name}", which is not declared`);
    if (!type.includes(p.type)) add(path, `${what} needs a parameter of type ${type.join(" or ")}; "${ref.name}" is ${p.type}`);
    if (what === "count" && (p.maximum === undefined || p.maximum > 100)) add(path, `parameter "${ref.name}" used as count needs a maximum of at most 100`);
  };

  spec.resources.forEach((r, i) => {
    const path = ["spec", "resources", i];
    const definition = catalog.resourceTypes[r.type];
    if (!definition) {
      add([...path, "type"], `the ${spec.engine} engine has no resource type "${r.type}"; it has ${Object.keys(catalog.resourceTypes).join(", ")}`);
    }
    if (r.count !== undefined) singleParam([...path, "count"], r.count, ["integer"], "count");
    if (r.when !== undefined) singleParam([...path, "when"], r.when, ["boolean"], "when");
    checkExpressions([...path, "properties"], r.properties, { resourceId: r.id, counted: r.count !== undefined, when: r.when, allowResources: true });
  });

  // No loops between resources.
  const edges = new Map(spec.resources.map((r) => [r.id, referencesIn(r.properties).flatMap((ref) => (ref.kind === "resource" ? [ref.id] : []))]));
  const state = new Map<string, "visiting" | "done">();
  const visit = (id: string, trail: string[]): void => {
    if (state.get(id) === "done") return;
    if (state.get(id) === "visiting") {
      add(["spec", "resources"], `resources refer to each other in a loop: ${[...trail.slice(trail.indexOf(id)), id].join(" → ")}`);
      return;
    }
    state.set(id, "visiting");
    for (const next of edges.get(id) ?? []) if (resources.has(next) && next !== id) visit(next, [...trail, id]);
    state.set(id, "done");
  };
  for (const id of edges.keys()) visit(id, []);

  spec.outputs.forEach((o, i) => {
    if (o.when !== undefined) singleParam(["spec", "outputs", i, "when"], o.when, ["boolean"], "when");
    checkExpressions(["spec", "outputs", i, "value"], o.value, { allowResources: true, when: o.when });
    const secret = referencesIn(o.value).some((ref) => {
      if (ref.kind !== "resource") return false;
      const type = resources.get(ref.id)?.type;
      return (type && catalog.resourceTypes[type]?.sensitiveAttributes?.includes(ref.attribute)) ?? false;
    });
    if (secret && !o.sensitive) add(["spec", "outputs", i, "sensitive"], "refers to a secret attribute: set sensitive: true so it is stored encrypted and shown masked");
  });

  // Policy covers exactly the template's tiers.
  const { policy } = spec;
  for (const tier of spec.tiers) {
    const ttl = policy.ttl[tier];
    if (!ttl) add(["spec", "policy", "ttl"], `missing the ${tier} tier (every tier in spec.tiers needs a TTL default and max)`);
    else if (durationHours(ttl.default) > durationHours(ttl.max)) add(["spec", "policy", "ttl", tier, "default"], `${ttl.default} is longer than the maximum ${ttl.max}`);
    if (!policy.approvals[tier]) add(["spec", "policy", "approvals"], `missing the ${tier} tier (use [] when it needs no approval)`);
  }
  for (const section of ["ttl", "approvals"] as const) {
    for (const tier of Object.keys(policy[section])) {
      if (!(spec.tiers as string[]).includes(tier)) add(["spec", "policy", section, tier], `tier ${tier} is not in spec.tiers`);
    }
  }
  for (const [key, value] of Object.entries(policy.tags)) {
    if ((mandatoryTagKeys as readonly string[]).includes(key)) add(["spec", "policy", "tags", key], `"${key}" is a mandatory tag Provisio sets itself; it cannot be overridden`);
    checkExpressions(["spec", "policy", "tags", key], value, { allowResources: false });
  }
  const producible = new Set<string>([...mandatoryTagKeys, ...Object.keys(policy.tags)]);
  policy.requiredTags.forEach((tag, i) => {
    if (!producible.has(tag)) add(["spec", "policy", "requiredTags", i], `required tag "${tag}" is neither a mandatory tag nor set in policy.tags, so no resource would carry it`);
  });

  // Terraform modules exist when used.
  const usesModule = spec.resources.some((r) => r.type === "module");
  if (usesModule && options.moduleFiles !== undefined && !options.moduleFiles.some((f) => f.endsWith(".tf") || f.endsWith(".tf.json"))) {
    add(["spec", "resources"], "a module resource needs Terraform files in the template's module/ folder");
  }
  for (const issue of catalog.templateIssues?.(spec, options.moduleSources) ?? []) add(issue.path, issue.message);

  // Properties are valid, and priced, for every choice a user can make.
  if (issues.length === 0) {
    const seen = new Set<string>();
    for (const scenario of parameterScenarios(spec.parameters)) {
      const ctx: EvaluationContext = { params: scenario, env: { name: "example-env", tier: spec.tiers[0] ?? "dev", team: "example-team" }, index: 0 };
      spec.resources.forEach((r, i) => {
        const definition = catalog.resourceTypes[r.type];
        if (!definition || instanceCount(r, { ...ctx, index: null }) === 0) return;
        const evaluated = evaluate(r.properties, ctx);
        const result = definition.properties.safeParse(evaluated);
        const explain = scenarioLabel(scenario, spec.parameters);
        if (!result.success) {
          for (const issue of result.error.issues.map(zodIssue(["spec", "resources", i, "properties"]))) {
            const key = `${issue.path.join(".")}:${issue.message}`;
            if (!seen.has(key)) {
              seen.add(key);
              add(issue.path, `${issue.message}${explain}`);
            }
          }
          return;
        }
        try {
          priceLines(catalog.priceList, definition.cost(result.data), str(result.data.region));
        } catch (error) {
          const key = `price:${i}:${(error as Error).message}`;
          if (!seen.has(key)) {
            seen.add(key);
            add(["spec", "resources", i], `cannot be priced: ${(error as Error).message}${explain}`);
          }
        }
      });
    }
  }
  return issues;
}

function scenarioLabel(scenario: Record<string, ParameterValue>, parameters: readonly ParameterSpec[]): string {
  const changed = parameters.filter((p) => p.default !== undefined && scenario[p.name] !== p.default);
  return changed.length ? ` (when ${changed.map((p) => `${p.name} = ${JSON.stringify(scenario[p.name])}`).join(", ")})` : "";
}
