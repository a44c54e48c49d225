import type { inferRouterOutputs } from "@trpc/server";
import { plural } from "~/components/format/plural";
import type { AppRouter } from "~/server/api/root";

type Outputs = inferRouterOutputs<AppRouter>;

export type TemplateDetail = Outputs["templateAdmin"]["get"];
export type VersionSummary = TemplateDetail["versions"][number];
export type ValidationResult = Outputs["templateAdmin"]["validate"];
export type TemplatePreview = NonNullable<ValidationResult["preview"]>;

/** One problem of a template: a field path, a message and, when known, where it is in the YAML. */
export type TemplateIssue = { path: string; message: string; line: number | null; column: number | null };

export function describeIssue(issue: Pick<TemplateIssue, "path" | "message">): string {
  return issue.path ? `${issue.path}: ${issue.message}` : issue.message;
}

export function problemCount(count: number): string {
  if (count === 0) return "No problems";
  return plural(count, "problem");
}
