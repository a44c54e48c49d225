/** Reading JSON Schemas of the OpenAPI document for the reference page: flat property rows and an example value. */
export type Schema = {
  type?: string | string[];
  properties?: Record<string, Schema>;
  required?: string[];
  items?: Schema;
  enum?: unknown[];
  const?: unknown;
  anyOf?: Schema[];
  oneOf?: Schema[];
  format?: string;
  pattern?: string;
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  default?: unknown;
  description?: string;
  additionalProperties?: Schema | boolean;
  $ref?: string;
};

export type Row = { name: string; depth: number; type: string; required: boolean; notes: string };

export function typeOf(s: Schema): string {
  if (s.$ref) return s.$ref.split("/").pop() ?? "object";
  if (s.enum) return s.enum.map((v) => JSON.stringify(v)).join(" | ");
  if (s.const !== undefined) return JSON.stringify(s.const);
  const alternatives = s.anyOf ?? s.oneOf;
  if (alternatives) return alternatives.map(typeOf).join(" | ");
  if (s.type === "array") return `${s.items ? typeOf(s.items) : "any"}[]`;
  if (Array.isArray(s.type)) return s.type.join(" | ");
  return s.format ? `${s.type ?? "any"} (${s.format})` : (s.type ?? "any");
}

function notesOf(s: Schema): string {
  const notes: string[] = [];
  if (s.description) notes.push(s.description);
  if (s.minimum !== undefined) notes.push(`≥ ${s.minimum}`);
  if (s.maximum !== undefined) notes.push(`≤ ${s.maximum}`);
  if (s.minLength !== undefined) notes.push(`min length ${s.minLength}`);
  if (s.maxLength !== undefined) notes.push(`max length ${s.maxLength}`);
  if (s.pattern) notes.push(`pattern ${s.pattern}`);
  if (s.default !== undefined) notes.push(`default ${JSON.stringify(s.default)}`);
  return notes.join("; ");
}

/** Properties as rows, nested objects indented (two levels deep, enough for this API). */
export function rowsOf(schema: Schema, depth = 0, prefix = ""): Row[] {
  const target = schema.type === "array" && schema.items ? schema.items : schema;
  if (!target.properties || depth > 2) return [];
  return Object.entries(target.properties).flatMap(([name, s]) => [
    { name: prefix + name, depth, type: typeOf(s), required: (target.required ?? []).includes(name), notes: notesOf(s) },
    ...rowsOf(s, depth + 1, `${prefix}${name}${s.type === "array" ? "[]" : ""}.`),
  ]);
}

/** A plausible example value (for the curl line). */
export function exampleOf(s: Schema, depth = 0): unknown {
  if (s.default !== undefined) return s.default;
  if (s.enum) return s.enum[0];
  if (s.const !== undefined) return s.const;
  const alternatives = s.anyOf ?? s.oneOf;
  if (alternatives?.[0]) return exampleOf(alternatives[0], depth);
  if (s.type === "object" || s.properties) {
    if (depth > 3) return {};
    return Object.fromEntries(
      Object.entries(s.properties ?? {})
        .filter(([k]) => (s.required ?? []).includes(k))
        .map(([k, v]) => [k, exampleOf(v, depth + 1)]),
    );
  }
  if (s.type === "array") return [];
  if (s.type === "integer" || s.type === "number") return s.minimum ?? 1;
  if (s.type === "boolean") return true;
  if (s.format === "uuid") return "00000000-0000-4000-8000-000000000000";
  return "…";
}
