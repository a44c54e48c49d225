/**
 * Pure helpers for the audit log's table: action tones, subject links and the field-by-field
 * view of a change (times: components/format/time.ts). Browser-safe; tested in format.test.ts.
 */

export type BadgeTone = "slate" | "brand" | "green" | "amber" | "red";

const goodVerbs = ["created", "added", "published", "approved", "restored", "succeeded", "ready", "submitted", "queued", "extended", "seeded"];
const badVerbs = ["deleted", "removed", "rejected", "failed", "deprecated", "cancelled", "denied", "destroyed", "expired", "revoked"];

/** A badge colour from the action's verb (its last segment): additions green, removals red, edits amber. */
export function actionTone(action: string): BadgeTone {
  const verb = action.slice(action.lastIndexOf(".") + 1);
  if (badVerbs.some((v) => verb.endsWith(v))) return "red";
  if (goodVerbs.some((v) => verb.endsWith(v))) return "green";
  if (verb.endsWith("updated") || verb.endsWith("changed")) return "amber";
  return "brand";
}

/** Where a subject lives in the app, when it has a page the viewer can open. */
export function subjectHref(
  subject: { subjectType: string; subjectId: string; subjectName: string | null },
  viewer: { isAdmin: boolean },
): string | null {
  switch (subject.subjectType) {
    case "request":
      return `/requests/${encodeURIComponent(subject.subjectId)}`;
    case "environment":
      return `/environments/${encodeURIComponent(subject.subjectId)}`;
    case "template":
      return subject.subjectName ? `/catalog/${encodeURIComponent(subject.subjectName)}` : null;
    case "team":
      return viewer.isAdmin ? `/admin/teams/${encodeURIComponent(subject.subjectId)}` : null;
    default:
      return null;
  }
}

export type ChangeKind = "added" | "removed" | "changed" | "unchanged";
export type ChangeRow = { field: string; before?: string; after?: string; kind: ChangeKind };

const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** Shown text of a JSON value: strings as they are, the rest as JSON. */
export const showValue = (v: unknown) => (typeof v === "string" ? v : JSON.stringify(v));

/** Nested objects become dotted fields (a few levels deep); arrays and scalars are leaves. */
function flatten(value: unknown, prefix: string, depth: number, out: Map<string, string>): Map<string, string> {
  if (isPlainObject(value) && depth < 4) {
    const entries = Object.entries(value);
    if (entries.length === 0 && prefix) out.set(prefix, "{}");
    for (const [key, child] of entries) flatten(child, prefix ? `${prefix}.${key}` : key, depth + 1, out);
  } else {
    out.set(prefix || "value", showValue(value));
  }
  return out;
}

/**
 * Before and after, field by field: what was added, removed or changed (and what stayed).
 * Either side may be missing (a creation has no before, a removal no after).
 */
export function diffChange(before: unknown, after: unknown): ChangeRow[] {
  const b = before === null || before === undefined ? new Map<string, string>() : flatten(before, "", 0, new Map());
  const a = after === null || after === undefined ? new Map<string, string>() : flatten(after, "", 0, new Map());
  const fields = [...new Set([...b.keys(), ...a.keys()])];
  return fields.map((field) => {
    const was = b.get(field);
    const now = a.get(field);
    if (was === undefined) return { field, after: now, kind: "added" };
    if (now === undefined) return { field, before: was, kind: "removed" };
    return { field, before: was, after: now, kind: was === now ? "unchanged" : "changed" };
  });
}
