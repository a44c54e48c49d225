/**
 * Reading what the CLI says in JSON: the resource changes of `terraform show -json <plan>`, the
 * resources of `terraform show -json` (state), the lines of `-json` UI output, and pricing them
 * with the terraform price list.
 *
 * Pricing. The plan knows resource types, not usage. Each resource instance is priced by its type
 * from the price list's `resourceTypes` (e.g. `aws_route53_zone` → one `dns.zone` per month;
 * `terraform_data` is free); a type the list does not know is reported as unpriced, never counted
 * as zero. On top, what the template declares as a resource's usage (`sku` × `quantity` on a
 * module or terraform_data resource: requests, GB stored) is charged to that module call or
 * resource once, when the plan keeps or creates it.
 */
import type { ResourceDrift, ValueDrift } from "../drift";
import type { PlanDiffEntry } from "../engine";
import { canonicalJson } from "~/server/templates/canonical-json";
import { monthlyCents, priceLines } from "../pricing";
import type { PriceList } from "../types";
import priceListJson from "./price-list.json";

export type TerraformPriceList = PriceList & { resourceTypes?: Record<string, { sku: string; quantity?: number; note?: string }> };
export const terraformPrices = priceListJson as TerraformPriceList;

export type ChangeAction = "create" | "update" | "replace" | "delete" | "read" | "noop";

export type ResourceChange = {
  address: string;
  type: string;
  /** `module.queue`, or null at the root. */
  module: string | null;
  action: ChangeAction;
  /** The template resource it belongs to (module call or root resource name). */
  templateResource: string;
};

type RawChange = { address?: string; mode?: string; type?: string; module_address?: string; change?: { actions?: string[] } };

/** One Terraform action list (`["delete","create"]`) as one word. */
export function actionOf(actions: readonly string[]): ChangeAction {
  if (actions.includes("create") && actions.includes("delete")) return "replace";
  if (actions.includes("create")) return "create";
  if (actions.includes("delete")) return "delete";
  if (actions.includes("update")) return "update";
  if (actions.includes("read")) return "read";
  return "noop";
}

/** `module.queue[0].terraform_data.x` → `queue`; `terraform_data.idempotency[0]` → `idempotency`. */
export function templateResourceOf(address: string): string {
  const call = /^module\.([A-Za-z0-9_-]+)/.exec(address);
  if (call) return call[1] ?? address;
  const resource = /^(?:data\.)?[A-Za-z0-9_-]+\.([A-Za-z0-9_-]+)/.exec(address);
  return resource?.[1] ?? address;
}

/** The module instance (`module.queue`, `module.queue[0]`) of a resource address, or null. */
export function moduleInstanceOf(address: string): string | null {
  return /^(module\.[A-Za-z0-9_-]+(?:\[[^\]]*\])?)\./.exec(address)?.[1] ?? null;
}

/** The resource changes of a plan (`show -json` of a saved plan), managed resources only. */
export function planChanges(plan: { resource_changes?: RawChange[] }): ResourceChange[] {
  return (plan.resource_changes ?? [])
    .filter((c) => c.mode === "managed" && c.address && c.type)
    .map((c) => ({
      address: c.address ?? "",
      type: c.type ?? "",
      module: c.module_address ?? null,
      action: actionOf(c.change?.actions ?? []),
      templateResource: templateResourceOf(c.address ?? ""),
    }));
}

export type StateResource = {
  address: string;
  type: string;
  module: string | null;
  providerName: string;
  /** Values with sensitive ones removed. */
  values: Record<string, unknown>;
  /** The sensitive values, flattened by path (`password`, `settings.token`). */
  sensitive: Record<string, string>;
};

type RawModule = { address?: string; resources?: RawResource[]; child_modules?: RawModule[] };
type RawResource = {
  address?: string;
  mode?: string;
  type?: string;
  provider_name?: string;
  values?: Record<string, unknown>;
  sensitive_values?: unknown;
};

/** Splits `values` by the `sensitive_values` mirror (true marks a sensitive value). */
function splitSensitive(values: unknown, marks: unknown, prefix: string, sensitive: Record<string, string>): unknown {
  if (marks === true) {
    sensitive[prefix || "value"] = typeof values === "string" ? values : JSON.stringify(values);
    return undefined;
  }
  if (!marks || typeof marks !== "object" || values === null || typeof values !== "object") return values;
  if (Array.isArray(values)) return values.map((v, i) => splitSensitive(v, (marks as unknown[])[i], `${prefix}[${i}]`, sensitive));
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(values)) {
    const kept = splitSensitive(value, (marks as Record<string, unknown>)[key], prefix ? `${prefix}.${key}` : key, sensitive);
    if (kept !== undefined) out[key] = kept;
  }
  return out;
}

/** Every managed resource in `show -json` (state) output, children modules included. */
export function stateResources(show: { values?: { root_module?: RawModule } }): StateResource[] {
  const out: StateResource[] = [];
  const walk = (module: RawModule | undefined) => {
    if (!module) return;
    for (const r of module.resources ?? []) {
      if (r.mode !== "managed" || !r.address || !r.type) continue;
      const sensitive: Record<string, string> = {};
      const values = (splitSensitive(r.values ?? {}, r.sensitive_values, "", sensitive) ?? {}) as Record<string, unknown>;
      out.push({ address: r.address, type: r.type, module: module.address ?? null, providerName: r.provider_name ?? "", values, sensitive });
    }
    for (const child of module.child_modules ?? []) walk(child);
  };
  walk(show.values?.root_module);
  return out;
}

type RawStateV4 = {
  resources?: {
    module?: string;
    mode?: string;
    type?: string;
    name?: string;
    provider?: string;
    instances?: { index_key?: string | number; attributes?: Record<string, unknown> }[];
  }[];
};

/** The same from the raw state document the pg backend stores (no CLI needed): sensitive attributes are not separated. */
export function rawStateResources(
  state: RawStateV4,
): { address: string; type: string; module: string | null; attributes: Record<string, unknown> }[] {
  const out: { address: string; type: string; module: string | null; attributes: Record<string, unknown> }[] = [];
  for (const r of state.resources ?? []) {
    if (r.mode !== "managed" || !r.type || !r.name) continue;
    for (const instance of r.instances ?? []) {
      const key =
        instance.index_key === undefined
          ? ""
          : typeof instance.index_key === "number"
            ? `[${instance.index_key}]`
            : `[${JSON.stringify(instance.index_key)}]`;
      const address = `${r.module ? `${r.module}.` : ""}${r.type}.${r.name}${key}`;
      out.push({ address, type: r.type, module: r.module ?? null, attributes: instance.attributes ?? {} });
    }
  }
  return out;
}

/** Tags a resource really carries: `tags_all` (AWS with default tags), `tags`, `labels`, or terraform_data's `input.tags`. */
export function carriedTags(values: Record<string, unknown>): Record<string, string> | null {
  const input = values.input && typeof values.input === "object" ? (values.input as Record<string, unknown>) : null;
  for (const candidate of [values.tags_all, values.tags, values.labels, input?.tags]) {
    if (candidate && typeof candidate === "object" && !Array.isArray(candidate)) {
      return Object.fromEntries(Object.entries(candidate as Record<string, unknown>).filter(([, v]) => typeof v === "string")) as Record<
        string,
        string
      >;
    }
  }
  return null;
}

export type PricedItem = { address: string; label: string; hourlyMicros: number; monthlyCents: number };
export type PlanCost = {
  hourlyMicros: number;
  monthlyCents: number;
  /** Priced lines: resources by type, then the usage the template declares. */
  lines: PricedItem[];
  /** Resource instances whose type the price list does not know. */
  unpriced: { address: string; type: string }[];
};

/** Hourly micro-dollars of one instance of a type, or null when the price list does not know the type. */
export function typeHourlyMicros(
  type: string,
  region: string | null,
  prices: TerraformPriceList = terraformPrices,
): { hourlyMicros: number; label: string } | null {
  const entry = prices.resourceTypes?.[type];
  if (!entry) return null;
  const [line] = priceLines(prices, [{ sku: entry.sku, quantity: entry.quantity ?? 1 }], region && prices.regions[region] ? region : null);
  return {
    hourlyMicros: line?.hourlyMicros ?? 0,
    label: entry.sku === "free" ? `${type}: no charge${entry.note ? ` (${entry.note})` : ""}` : `${type}: ${line?.title ?? entry.sku}`,
  };
}

export type DeclaredUsage = {
  /** Where it is charged: a module call (`module.queue`) or a root resource (`terraform_data.x[0]`). */
  terraformAddress: string;
  label: string;
  hourlyMicros: number;
};

/**
 * The cost of what a plan leaves in place (created, updated, replaced or kept resources):
 * resources by type, plus declared usage for each module call or resource that remains.
 */
export function priceResources(
  resources: readonly { address: string; type: string; templateResource: string }[],
  declared: readonly DeclaredUsage[],
  regionOf: (templateResource: string) => string | null,
  prices: TerraformPriceList = terraformPrices,
): PlanCost {
  const lines: PricedItem[] = [];
  const unpriced: { address: string; type: string }[] = [];
  for (const r of resources) {
    const priced = typeHourlyMicros(r.type, regionOf(r.templateResource), prices);
    if (!priced) unpriced.push({ address: r.address, type: r.type });
    else if (priced.hourlyMicros > 0)
      lines.push({
        address: r.address,
        label: priced.label,
        hourlyMicros: priced.hourlyMicros,
        monthlyCents: monthlyCents(priced.hourlyMicros, prices.hoursPerMonth),
      });
  }
  const present = new Set(resources.flatMap((r) => [r.address, moduleInstanceOf(r.address)].filter((a): a is string => a !== null)));
  for (const usage of declared) {
    if (!present.has(usage.terraformAddress) || usage.hourlyMicros === 0) continue;
    lines.push({
      address: usage.terraformAddress,
      label: usage.label,
      hourlyMicros: usage.hourlyMicros,
      monthlyCents: monthlyCents(usage.hourlyMicros, prices.hoursPerMonth),
    });
  }
  const hourlyMicros = lines.reduce((sum, l) => sum + l.hourlyMicros, 0);
  return { hourlyMicros, monthlyCents: monthlyCents(hourlyMicros, prices.hoursPerMonth), lines, unpriced };
}

/** One `-json` UI line as a run log event, or null for lines not worth showing (or carrying values). */
export function uiLogEvent(
  line: string,
): { level: "info" | "warn" | "error"; message: string; address?: string; diagnostic?: { summary: string; detail: string } } | null {
  let message: Record<string, unknown>;
  try {
    message = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return line.trim() ? { level: "warn", message: line.trim() } : null;
  }
  const type = String(message.type ?? "");
  const text = String(message["@message"] ?? "");
  const hook = (message.hook ?? message.change) as { resource?: { addr?: string } } | undefined;
  const address = hook?.resource?.addr;
  switch (type) {
    case "outputs":
      // Carries output values: Provisio logs the names itself.
      return null;
    case "diagnostic": {
      const d = (message.diagnostic ?? {}) as { severity?: string; summary?: string; detail?: string; address?: string };
      const summary = d.summary ?? text;
      const detail = (d.detail ?? "").replace(/\s+/g, " ").trim();
      return {
        level: d.severity === "error" ? "error" : "warn",
        message: detail ? `${summary}: ${detail}` : summary,
        address: d.address ?? address,
        diagnostic: { summary, detail },
      };
    }
    default:
      // Every other message (progress, state lock, drift): its text, never its values.
      return text
        ? { level: type.endsWith("errored") ? "error" : type === "resource_drift" ? "warn" : "info", message: text, ...(address ? { address } : {}) }
        : null;
  }
}

type RawPlannedChange = RawChange & {
  change?: {
    actions?: string[];
    before?: unknown;
    after?: unknown;
    after_unknown?: unknown;
    before_sensitive?: unknown;
    after_sensitive?: unknown;
  };
};

const isRecord = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === "object" && !Array.isArray(v);
/** Where a resource keeps its tags (the first is what carriedTags reads). */
const tagPaths = ["tags_all", "tags", "labels", "input.tags"];

/** Leaf values by dotted path (objects are walked, lists and scalars are leaves). */
function flatten(value: unknown, prefix = "", out: Map<string, unknown> = new Map()): Map<string, unknown> {
  if (isRecord(value) && (prefix === "" || Object.keys(value).length)) {
    for (const [key, v] of Object.entries(value)) flatten(v, prefix ? `${prefix}.${key}` : key, out);
  } else if (prefix) out.set(prefix, value);
  return out;
}

/** The mark (true = unknown or sensitive) at a dotted path of a `*_unknown`/`*_sensitive` mirror, or at a parent of it. */
function markedAt(marks: unknown, dotted: string): boolean {
  let node = marks;
  for (const part of dotted.split(".")) {
    if (node === true) return true;
    if (!isRecord(node)) return false;
    node = node[part];
  }
  return node === true;
}

/**
 * What a plan of the applied configuration against the refreshed world says has drifted, per
 * resource: `create` = desired but gone (missing), `delete` = in the state but no longer desired
 * (extra), `update`/`replace` = the properties and tags that differ, `desired` being what the
 * configuration says and `actual` what exists. Values only known after apply are left out;
 * sensitive values are masked.
 */
export function driftFromPlan(plan: { resource_changes?: RawPlannedChange[] }): ResourceDrift[] {
  const out: ResourceDrift[] = [];
  for (const c of plan.resource_changes ?? []) {
    if (c.mode !== "managed" || !c.address || !c.type) continue;
    const action = actionOf(c.change?.actions ?? []);
    const before = isRecord(c.change?.before) ? c.change.before : null;
    const providerId = before ? String(before.id ?? before.arn ?? c.address) : null;
    if (action === "create") out.push({ kind: "missing", address: c.address, type: c.type, providerId: null });
    else if (action === "delete") out.push({ kind: "extra", address: c.address, type: c.type, providerId: providerId ?? c.address });
    else if (action === "update" || action === "replace") {
      const actual = flatten(before ?? {});
      const desired = flatten(isRecord(c.change?.after) ? c.change.after : {});
      const masked = (path: string, value: unknown, marks: unknown) => (markedAt(marks, path) ? "(sensitive)" : value);
      const properties: ValueDrift[] = [];
      const tags: ValueDrift[] = [];
      for (const path of [...new Set([...desired.keys(), ...actual.keys()])].sort()) {
        if (markedAt(c.change?.after_unknown, path)) continue;
        const d = desired.get(path);
        const a = actual.get(path);
        if (JSON.stringify(d) === JSON.stringify(a)) continue;
        const tagPath = tagPaths.find((t) => path.startsWith(`${t}.`));
        if (tagPath) {
          // tags_all mirrors tags (AWS): each tag is reported once.
          if (tagPath === "tags" && desired.has(`tags_all.${path.slice(5)}`)) continue;
          tags.push({ path: path.slice(tagPath.length + 1), desired: d ?? null, actual: a ?? null });
        } else {
          properties.push({
            path,
            desired: masked(path, d ?? null, c.change?.after_sensitive),
            actual: masked(path, a ?? null, c.change?.before_sensitive),
          });
        }
      }
      if (properties.length || tags.length)
        out.push({ kind: "changed", address: c.address, type: c.type, providerId: providerId ?? c.address, properties, tags });
    }
  }
  return out;
}

/**
 * The diff of a plan (`show -json` of a saved plan): every managed resource that changes, with the
 * values that move. Two plans with the same diff do the same thing; a re-plan whose diff differs
 * needs a new approval.
 */
export function planDiff(plan: { resource_changes?: RawPlannedChange[] }): PlanDiffEntry[] {
  const out: PlanDiffEntry[] = [];
  for (const c of plan.resource_changes ?? []) {
    if (c.mode !== "managed" || !c.address || !c.type) continue;
    const action = actionOf(c.change?.actions ?? []);
    if (action === "noop" || action === "read") continue;
    const before = flatten(isRecord(c.change?.before) ? c.change.before : {});
    const after = flatten(isRecord(c.change?.after) ? c.change.after : {});
    const values: PlanDiffEntry["values"] = [];
    for (const path of [...new Set([...before.keys(), ...after.keys()])].sort()) {
      if (markedAt(c.change?.after_unknown, path)) continue;
      const b = markedAt(c.change?.before_sensitive, path) ? "(sensitive)" : (before.get(path) ?? null);
      const a = markedAt(c.change?.after_sensitive, path) ? "(sensitive)" : (after.get(path) ?? null);
      if (JSON.stringify(a) !== JSON.stringify(b)) values.push({ path, before: b, after: a });
    }
    out.push({ address: c.address, type: c.type, action, values });
  }
  return out.sort((x, y) => x.address.localeCompare(y.address));
}

/** What differs between two plan diffs, one line per resource (empty: the same plan). Key order does not matter (jsonb reorders). */
export function comparePlanDiffs(approved: readonly PlanDiffEntry[], replanned: readonly PlanDiffEntry[]): string[] {
  const lines: string[] = [];
  const old = new Map(approved.map((e) => [e.address, e]));
  for (const next of replanned) {
    const was = old.get(next.address);
    old.delete(next.address);
    if (!was) lines.push(`${next.address}: now ${next.action} (not in the approved plan)`);
    else if (was.action !== next.action) lines.push(`${next.address}: ${was.action} → ${next.action}`);
    else if (canonicalJson(was.values) !== canonicalJson(next.values)) {
      const paths = [...new Set([...was.values, ...next.values].map((v) => v.path))].filter(
        (p) => canonicalJson(was.values.find((v) => v.path === p) ?? null) !== canonicalJson(next.values.find((v) => v.path === p) ?? null),
      );
      lines.push(`${next.address}: ${next.action} with other values (${paths.join(", ")})`);
    }
  }
  for (const was of old.values()) lines.push(`${was.address}: ${was.action} no longer planned`);
  return lines;
}
