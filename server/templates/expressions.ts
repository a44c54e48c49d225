/**
 * The only expressions a template may contain: "${params.<name>}", "${resources.<id>.<attribute>}"
 * (for a counted resource: the list of all its instances' values, or one instance with
 * "${resources.<id>[0].<attribute>}" / "${resources.<id>[index].<attribute>}"),
 * "${env.name|tier|team}" (environment name, tier, team slug: lowercase letters, digits and '-')
 * and "${index}" (inside a counted resource). No operators and no functions: templates stay
 * data, and no value can smuggle code into an engine.
 */
import type { ParameterValue } from "~/server/schemas/template-parameters";

export const envNames = ["name", "tier", "team"] as const;
export type EnvName = (typeof envNames)[number];

export type Reference =
  | { kind: "param"; name: string }
  | { kind: "resource"; id: string; attribute: string; instance?: number | "index" }
  | { kind: "env"; name: EnvName }
  | { kind: "index" };

export type Segment = string | { ref: Reference; source: string };

const token = /\$\{([^}]*)\}/g;

function parseReference(body: string): Reference | string {
  const text = body.trim();
  if (text === "index") return { kind: "index" };
  let m = /^params\.([a-z][a-z0-9_]*)$/.exec(text);
  if (m) return { kind: "param", name: m[1] ?? "" };
  m = /^resources\.([a-z][a-z0-9_]*)(?:\[(\d{1,3}|index)\])?\.([a-z_*][a-z0-9_]*)$/.exec(text);
  if (m) {
    const instance = m[2] === undefined ? undefined : m[2] === "index" ? "index" : Number(m[2]);
    return { kind: "resource", id: m[1] ?? "", attribute: m[3] ?? "", ...(instance === undefined ? {} : { instance }) };
  }
  m = /^env\.([a-z]+)$/.exec(text);
  if (m && (envNames as readonly string[]).includes(m[1] ?? "")) return { kind: "env", name: m[1] as EnvName };
  return `"\${${body}}" is not an expression Provisio knows: use \${params.<name>}, \${resources.<id>.<attribute>}, \${env.name|tier|team} or \${index}`;
}

/** Splits a string into literal text and references; errors for anything unknown. */
export function parseExpressionString(value: string): { segments: Segment[]; errors: string[] } {
  const segments: Segment[] = [];
  const errors: string[] = [];
  let last = 0;
  for (const match of value.matchAll(token)) {
    if (match.index > last) segments.push(value.slice(last, match.index));
    const parsed = parseReference(match[1] ?? "");
    if (typeof parsed === "string") errors.push(parsed);
    else segments.push({ ref: parsed, source: match[0] });
    last = match.index + match[0].length;
  }
  if (last < value.length) segments.push(value.slice(last));
  const rest = segments.filter((s): s is string => typeof s === "string").join("");
  if (rest.includes("${")) errors.push(`unclosed "\${" in "${value}"`);
  return { segments, errors };
}

/** Every reference in a value (strings inside arrays and objects too). */
export function referencesIn(value: unknown): Reference[] {
  if (typeof value === "string") {
    return parseExpressionString(value).segments.flatMap((s) => (typeof s === "string" ? [] : [s.ref]));
  }
  if (Array.isArray(value)) return value.flatMap(referencesIn);
  if (value && typeof value === "object") return Object.values(value).flatMap(referencesIn);
  return [];
}

export type EvaluationContext = {
  params: Record<string, ParameterValue | undefined>;
  env: Record<EnvName, string>;
  index: number | null;
};

/**
 * Resolves a value: parameter and env references become their values (a string that is one
 * reference keeps the value's type), resource references become `{ $ref }` to be resolved
 * at apply time.
 */
export function evaluate(value: unknown, ctx: EvaluationContext): unknown {
  if (Array.isArray(value)) return value.map((v) => evaluate(v, ctx));
  if (value && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, evaluate(v, ctx)]));
  if (typeof value !== "string" || !value.includes("${")) return value;
  const { segments } = parseExpressionString(value);
  const resolved = segments.map((s) => (typeof s === "string" ? s : resolveReference(s.ref, s.source, ctx)));
  if (resolved.length === 1 && resolved[0] !== undefined) return resolved[0];
  if (resolved.some((r) => typeof r === "object" && r !== null)) {
    // Text around a resource attribute: the engine interpolates it once the attribute is known.
    const text = segments
      .map((s, i) => {
        const r = resolved[i];
        return typeof s === "string" ? s : isRef(r) ? `\${${r.$ref}}` : String(r ?? "");
      })
      .join("");
    return { $ref: text };
  }
  return resolved.map((r) => String(r ?? "")).join("");
}

const isRef = (v: unknown): v is { $ref: string } => typeof v === "object" && v !== null && "$ref" in v;

function resolveReference(ref: Reference, source: string, ctx: EvaluationContext): unknown {
  switch (ref.kind) {
    case "param":
      return ctx.params[ref.name];
    case "env":
      return ctx.env[ref.name];
    case "index":
      return ctx.index ?? 0;
    case "resource":
      return { $ref: `resources.${ref.id}${ref.instance === undefined ? "" : `[${ref.instance === "index" ? (ctx.index ?? 0) : ref.instance}]`}.${ref.attribute}` };
  }
}
