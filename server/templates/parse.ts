/**
 * template.yaml text → a validated document, or issues that name the field path and, when
 * the field is in the file, its line and column.
 */
import { createHash } from "node:crypto";
import { isNode, LineCounter, parseDocument, type Document } from "yaml";
import { canonicalJson } from "./canonical-json";
import { validateTemplate, type IssuePath, type ValidationOptions } from "./validate";
import { yamlShapeProblem } from "./yaml-limits";
import type { TemplateDocument } from "./format";

export { canonicalJson };
export { maxTemplateBytes } from "./format";
import { maxTemplateBytes } from "./format";

export type LocatedIssue = { path: string; message: string; line: number | null; column: number | null };

export type ParsedTemplate = { ok: true; document: TemplateDocument; issues: [] } | { ok: false; document: null; issues: LocatedIssue[] };

export function formatPath(path: IssuePath): string {
  return path.reduce<string>((text, part) => (typeof part === "number" ? `${text}[${part}]` : text ? `${text}.${part}` : part), "");
}

/** The line of the deepest node of `path` that exists in the file. */
function locate(doc: Document, lines: LineCounter, path: IssuePath): { line: number; col: number } | null {
  for (let depth = path.length; depth >= 0; depth--) {
    const node = doc.getIn(path.slice(0, depth), true);
    if (isNode(node) && node.range) return lines.linePos(node.range[0]);
    // A pair's key, when the value is missing or scalar-less.
    if (depth > 0) {
      const parent = doc.getIn(path.slice(0, depth - 1), true) as { items?: { key?: { value?: unknown; range?: [number, number, number] } }[] } | undefined;
      const pair = parent?.items?.find((item) => item.key?.value === path[depth - 1]);
      if (pair?.key?.range) return lines.linePos(pair.key.range[0]);
    }
  }
  return null;
}

export function parseTemplateYaml(text: string, options: ValidationOptions = {}): ParsedTemplate {
  if (Buffer.byteLength(text, "utf8") > maxTemplateBytes) {
    return { ok: false, document: null, issues: [{ path: "", message: `the file is larger than ${maxTemplateBytes / 1024} KB`, line: null, column: null }] };
  }
  // Measured before parsing: pathological nesting would cost the parser seconds (yaml-limits.ts).
  const shape = yamlShapeProblem(text);
  if (shape) return { ok: false, document: null, issues: [{ path: "", ...shape }] };
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: true, prettyErrors: true, strict: true });
  if (doc.errors.length > 0) {
    return {
      ok: false,
      document: null,
      issues: doc.errors.map((e) => {
        const pos = e.linePos?.[0];
        return { path: "", message: `YAML: ${(e.message.split("\n")[0] ?? "").replace(/ at line \d+, column \d+:?$/, "")}`, line: pos?.line ?? null, column: pos?.col ?? null };
      }),
    };
  }
  let raw: unknown;
  try {
    raw = doc.toJS({ maxAliasCount: 50 });
  } catch (error) {
    return { ok: false, document: null, issues: [{ path: "", message: `YAML: ${(error as Error).message}`, line: null, column: null }] };
  }
  const result = validateTemplate(raw, options);
  if (result.ok) return result;
  return {
    ok: false,
    document: null,
    issues: result.issues.map((issue) => {
      const pos = locate(doc, lines, issue.path);
      return { path: formatPath(issue.path), message: issue.message, line: pos?.line ?? null, column: pos?.col ?? null };
    }),
  };
}

/** One line per issue: `file:line:column path: message`, the shape editors and CI understand. */
export function describeIssue(file: string, issue: LocatedIssue): string {
  const where = issue.line ? `${file}:${issue.line}:${issue.column ?? 1}` : file;
  return `${where} ${issue.path ? `${issue.path}: ` : ""}${issue.message}`;
}

/**
 * The content hash of a version: the parsed document (so comments and formatting do not
 * count as a change) and every module file, in a canonical order.
 */
export function contentHash(document: TemplateDocument, moduleFiles: Record<string, string> = {}): string {
  const hash = createHash("sha256");
  hash.update(canonicalJson(document));
  for (const file of Object.keys(moduleFiles).sort()) hash.update(`\0${file}\0${moduleFiles[file]}`);
  return hash.digest("hex");
}
