/**
 * Small edits of template YAML that keep the author's formatting and comments: the value of
 * one field is replaced in place, found through the parser's source ranges.
 */
import { isScalar, LineCounter, parseDocument } from "yaml";
import { compareSemver, parseSemver } from "~/server/templates/format";
import { yamlShapeProblem } from "~/server/templates/yaml-limits";

/** "1.4.2" → "1.4.3". */
export function bumpPatch(version: string): string {
  const [major, minor, patch] = parseSemver(version);
  return `${major}.${minor}.${patch + 1}`;
}

/** The version after the highest one a template has (published or draft): its patch bumped. */
export function nextVersion(versions: readonly string[]): string {
  const highest = [...versions].sort(compareSemver).at(-1);
  return highest ? bumpPatch(highest) : "1.0.0";
}

/** Replaces the scalar at `path` (e.g. spec.version) with `value`, keeping everything else as written. */
export function replaceScalar(text: string, path: readonly string[], value: string): string {
  // Text too big or too deep to parse cheaply is left as it is (the check reports it).
  if (yamlShapeProblem(text)) return text;
  const doc = parseDocument(text);
  const node = doc.getIn(path, true);
  if (doc.errors.length === 0 && isScalar(node) && node.range) {
    const [start, valueEnd] = node.range;
    const quote = node.type === "QUOTE_DOUBLE" ? '"' : node.type === "QUOTE_SINGLE" ? "'" : "";
    return `${text.slice(0, start)}${quote}${value}${quote}${text.slice(valueEnd)}`;
  }
  doc.setIn(path, value);
  return doc.toString();
}

/** A scalar of the YAML and where it is, or null when the text does not parse (or is too big or deep to) or lacks it. */
export function readScalar(text: string, path: readonly string[]): { value: unknown; line: number; column: number } | null {
  if (yamlShapeProblem(text)) return null;
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines });
  if (doc.errors.length > 0) return null;
  const node = doc.getIn(path, true);
  if (!isScalar(node) || !node.range) return null;
  const pos = lines.linePos(node.range[0]);
  return { value: node.value, line: pos.line, column: pos.col };
}
