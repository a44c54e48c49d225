/**
 * A static look at a template's Terraform module (the files under `module/`, read as text): the
 * variables it declares (with whether they have a default and their type), its outputs (and which
 * are sensitive) and the providers it uses. Enough for templates:check to refuse a module that
 * would fail at run time (an input it does not declare, a required variable nobody sets, no
 * `tags` variable) without running Terraform. It reads `.tf` blocks by brace matching (strings,
 * heredocs and comments skipped) and `.tf.json` as JSON; it is not a full HCL parser, and
 * Terraform still validates everything when it runs.
 */

export type ModuleVariable = { name: string; file: string; hasDefault: boolean; type: string | null };
export type ModuleOutput = { name: string; file: string; sensitive: boolean };
export type ModuleInspection = {
  variables: Map<string, ModuleVariable>;
  outputs: Map<string, ModuleOutput>;
  /** Providers the module names (required_providers, provider blocks, resource type prefixes). */
  providers: Set<string>;
  /** Files that could not be read (invalid JSON); Terraform reports them at run time. */
  problems: string[];
};

/** The index just after the brace that closes the one at `open`, skipping strings, heredocs and comments. */
function blockEnd(text: string, open: number): number {
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    const c = text[i];
    if (c === "#" || (c === "/" && text[i + 1] === "/")) {
      const nl = text.indexOf("\n", i);
      i = nl === -1 ? text.length : nl;
    } else if (c === "/" && text[i + 1] === "*") {
      const end = text.indexOf("*/", i + 2);
      i = end === -1 ? text.length : end + 1;
    } else if (c === '"') {
      for (i++; i < text.length && text[i] !== '"'; i++) if (text[i] === "\\") i++;
    } else if (c === "<" && text[i + 1] === "<") {
      const m = /^<<-?([A-Za-z_][A-Za-z0-9_]*)\r?\n/.exec(text.slice(i));
      if (m) {
        const end = new RegExp(`\\n\\s*${m[1]}\\s*(\\n|$)`).exec(text.slice(i + m[0].length - 1));
        i = end ? i + m[0].length - 1 + end.index + end[0].length - 1 : text.length;
      }
    } else if (c === "{") depth++;
    else if (c === "}") {
      depth--;
      if (depth === 0) return i + 1;
    }
  }
  return text.length;
}

/** Top-level `name = value` attributes of a block body (nested blocks skipped), as raw text. */
function topLevelAttributes(body: string): Map<string, string> {
  const attributes = new Map<string, string>();
  let i = 0;
  while (i < body.length) {
    const rest = body.slice(i);
    const m = /^\s*([A-Za-z_][A-Za-z0-9_-]*)\s*(=|\{)/.exec(rest);
    if (!m) {
      const nl = body.indexOf("\n", i);
      if (nl === -1) break;
      i = nl + 1;
      continue;
    }
    if (m[2] === "{") {
      i = blockEnd(body, i + m[0].length - 1);
      continue;
    }
    const start = i + m[0].length;
    // The value runs to the end of the line, or to the end of a bracketed expression.
    let end = start;
    let depth = 0;
    for (; end < body.length; end++) {
      const c = body[end];
      if (c === '"') {
        for (end++; end < body.length && body[end] !== '"'; end++) if (body[end] === "\\") end++;
      } else if (c === "(" || c === "[" || c === "{") depth++;
      else if (c === ")" || c === "]" || c === "}") depth--;
      else if (c === "\n" && depth <= 0) break;
    }
    attributes.set(m[1] ?? "", body.slice(start, end).trim());
    i = end + 1;
  }
  return attributes;
}

function inspectHcl(file: string, text: string, into: ModuleInspection) {
  const header = /(^|\n)\s*(variable|output|provider|resource|data)\s+"([^"]+)"(?:\s+"([^"]+)")?\s*\{/g;
  for (const m of text.matchAll(header)) {
    const kind = m[2];
    const name = m[3] ?? "";
    const open = (m.index ?? 0) + m[0].length - 1;
    const body = text.slice(open + 1, blockEnd(text, open) - 1);
    if (kind === "variable") {
      const attributes = topLevelAttributes(body);
      into.variables.set(name, { name, file, hasDefault: attributes.has("default"), type: attributes.get("type") ?? null });
    } else if (kind === "output") {
      into.outputs.set(name, { name, file, sensitive: topLevelAttributes(body).get("sensitive") === "true" });
    } else if (kind === "provider") into.providers.add(name);
    else into.providers.add(name.split("_")[0] ?? name);
  }
  for (const m of text.matchAll(/required_providers\s*\{/g)) {
    const open = (m.index ?? 0) + m[0].length - 1;
    const body = text.slice(open + 1, blockEnd(text, open) - 1);
    for (const entry of body.matchAll(/(^|\n)\s*([A-Za-z_][A-Za-z0-9_-]*)\s*=/g)) into.providers.add(entry[2] ?? "");
  }
}

function inspectJson(file: string, text: string, into: ModuleInspection) {
  let doc: Record<string, unknown>;
  try {
    doc = JSON.parse(text) as Record<string, unknown>;
  } catch (error) {
    into.problems.push(`${file}: not valid JSON (${(error as Error).message})`);
    return;
  }
  const objectOf = (v: unknown) => (v && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : {});
  // A block may be an object, or a list of objects (JSON syntax allows both).
  const blocks = (v: unknown) => (Array.isArray(v) ? v.map(objectOf) : [objectOf(v)]);
  for (const [name, value] of Object.entries(objectOf(doc.variable))) {
    const body = Object.assign({}, ...blocks(value)) as Record<string, unknown>;
    into.variables.set(name, { name, file, hasDefault: "default" in body, type: typeof body.type === "string" ? body.type : null });
  }
  for (const [name, value] of Object.entries(objectOf(doc.output))) {
    const body = Object.assign({}, ...blocks(value)) as Record<string, unknown>;
    into.outputs.set(name, { name, file, sensitive: body.sensitive === true });
  }
  for (const name of Object.keys(objectOf(doc.provider))) into.providers.add(name);
  for (const section of [doc.resource, doc.data]) for (const type of Object.keys(objectOf(section))) into.providers.add(type.split("_")[0] ?? type);
  for (const terraform of blocks(doc.terraform))
    for (const rp of blocks(terraform.required_providers)) for (const name of Object.keys(rp)) into.providers.add(name);
}

/** `files` as stored with a version: paths relative to the template folder (`module/main.tf`) → text. */
export function inspectModule(files: Readonly<Record<string, string>>): ModuleInspection {
  const result: ModuleInspection = { variables: new Map(), outputs: new Map(), providers: new Set(), problems: [] };
  for (const [file, text] of Object.entries(files)) {
    // Only the module's own folder: nested folders are other modules it may call.
    const relative = file.replace(/^module\//, "");
    if (relative.includes("/")) continue;
    if (file.endsWith(".tf.json")) inspectJson(file, text, result);
    else if (file.endsWith(".tf")) inspectHcl(file, text, result);
  }
  // terraform_data and friends are built in, not a provider.
  result.providers.delete("terraform");
  return result;
}

/** Providers that take default tags from the root module (and so get Provisio's tags directly). */
export function defaultTagProviders(inspection: ModuleInspection): "aws"[] {
  return inspection.providers.has("aws") ? ["aws"] : [];
}

/** Types `variable "tags"` may have so Provisio's map of strings is accepted as is. */
export function acceptsTagMap(type: string | null): boolean {
  return type === null || ["map(string)", "map(any)", "any"].includes(type.replace(/\s+/g, ""));
}
