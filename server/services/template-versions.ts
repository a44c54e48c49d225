/** Reading and writing template versions: shared by the file sync, the catalog and curation. */
import { and, desc, eq, sql } from "drizzle-orm";
import { parseDocument } from "yaml";
import type { Executor } from "~/db/client";
import { templates, templateVersions, type TemplateVersion } from "~/db/schema";
import { estimateCostRange } from "~/server/templates/cost-range";
import { parseSemver, type TemplateDocument } from "~/server/templates/format";
import { contentHash } from "~/server/templates/parse";

/** Columns of a version row computed from a validated document. */
export function versionColumns(document: TemplateDocument, yaml: string, moduleFiles: Record<string, string>) {
  const [major, minor, patch] = parseSemver(document.spec.version);
  const range = estimateCostRange(document);
  return {
    version: document.spec.version,
    major,
    minor,
    patch,
    yaml,
    document,
    moduleFiles,
    contentHash: contentHash(document, moduleFiles),
    minMonthlyCents: range.minMonthlyCents,
    maxMonthlyCents: range.maxMonthlyCents,
    defaultMonthlyCents: range.defaultMonthlyCents,
  };
}

export const semverOrder = [desc(templateVersions.major), desc(templateVersions.minor), desc(templateVersions.patch)];

/** The newest published version of a template (by semantic version), if any. */
export async function latestPublished(tx: Executor, templateId: string): Promise<TemplateVersion | null> {
  const [row] = await tx
    .select()
    .from(templateVersions)
    .where(and(eq(templateVersions.templateId, templateId), eq(templateVersions.status, "published")))
    .orderBy(...semverOrder)
    .limit(1);
  return row ?? null;
}

export async function findVersion(tx: Executor, templateId: string, version: string): Promise<TemplateVersion | null> {
  const [row] = await tx
    .select()
    .from(templateVersions)
    .where(and(eq(templateVersions.templateId, templateId), eq(templateVersions.version, version)))
    .limit(1);
  return row ?? null;
}

/** Serialises changes to one template (sync vs. curation, two admins) for the transaction. */
export async function lockTemplate(tx: Executor, name: string): Promise<void> {
  await tx.execute(sql`select pg_advisory_xact_lock(hashtext('provisio.template'), hashtext(${name}))`);
}

export async function findTemplateByName(tx: Executor, name: string) {
  const [row] = await tx.select().from(templates).where(eq(templates.name, name)).limit(1);
  return row ?? null;
}

/** Templates created in the UI that have drafts but no published version yet, newest draft first. */
export async function listDraftOnlyTemplates(tx: Executor) {
  const rows = await tx
    .select({ id: templates.id, name: templates.name, source: templates.source, version: templateVersions.version, versionId: templateVersions.id, yaml: templateVersions.yaml, updatedAt: templateVersions.updatedAt })
    .from(templates)
    .innerJoin(templateVersions, eq(templateVersions.templateId, templates.id))
    .where(sql`not exists (select 1 from ${templateVersions} p where p.template_id = ${templates.id} and p.status = 'published')`)
    .orderBy(templates.name, ...semverOrder);
  const byTemplate = new Map<string, { id: string; name: string; source: "file" | "ui"; title: string | null; newestVersion: string; newestVersionId: string; draftCount: number; updatedAt: Date }>();
  for (const row of rows) {
    const entry = byTemplate.get(row.id);
    if (entry) {
      entry.draftCount++;
      continue;
    }
    const title = parseDocument(row.yaml).getIn(["metadata", "title"]);
    byTemplate.set(row.id, {
      id: row.id,
      name: row.name,
      source: row.source,
      title: typeof title === "string" && title.trim() ? title.trim() : null,
      newestVersion: row.version,
      newestVersionId: row.versionId,
      draftCount: 1,
      updatedAt: row.updatedAt,
    });
  }
  return [...byTemplate.values()];
}
