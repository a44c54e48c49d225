/** Reading and writing template versions: shared by the file sync, the catalog and curation. */
import { and, desc, eq, sql } from "drizzle-orm";
import { parseDocument } from "yaml";
import type { Executor } from "~/db/client";
import { templates, templateVersions, type TemplateVersion } from "~/db/schema";
import { estimateCostRange } from "~/server/templates/cost-range";
import { parseSemver, type TemplateDocument, type Tier } from "~/server/templates/format";
import { contentHash } from "~/server/templates/parse";
import { ServiceError, notFound } from "~/server/core/errors";

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
    .select({
      id: templates.id,
      name: templates.name,
      source: templates.source,
      version: templateVersions.version,
      versionId: templateVersions.id,
      yaml: templateVersions.yaml,
      updatedAt: templateVersions.updatedAt,
    })
    .from(templates)
    .innerJoin(templateVersions, eq(templateVersions.templateId, templates.id))
    .where(sql`not exists (select 1 from ${templateVersions} p where p.template_id = ${templates.id} and p.status = 'published')`)
    .orderBy(templates.name, ...semverOrder);
  const byTemplate = new Map<
    string,
    {
      id: string;
      name: string;
      source: "file" | "ui";
      title: string | null;
      newestVersion: string;
      newestVersionId: string;
      draftCount: number;
      updatedAt: Date;
    }
  >();
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

/**
 * The published version a new request uses (the newest, or the one named), refusing a template
 * that is unknown or deprecated and a tier it does not offer. `fields` names the caller's input
 * fields, so the error shows next to the right one.
 */
export async function loadVersionForRequest(
  tx: Executor,
  input: { name: string; version?: string; tier: Tier },
  fields: { name: string; version: string } = { name: "templateName", version: "templateVersion" },
) {
  const { name, version } = input;
  const template = await findTemplateByName(tx, name);
  if (!template) throw new ServiceError("not_found", `Template ${name} was not found.`, fields.name);
  if (template.deprecatedAt)
    throw new ServiceError(
      "invalid",
      `${name} is deprecated and takes no new requests${template.deprecationReason ? `: ${template.deprecationReason}` : "."}`,
      fields.name,
    );
  const [row] = await tx
    .select()
    .from(templateVersions)
    .where(
      and(
        eq(templateVersions.templateId, template.id),
        eq(templateVersions.status, "published"),
        version ? eq(templateVersions.version, version) : undefined,
      ),
    )
    .orderBy(...semverOrder)
    .limit(1);
  if (!row) throw version ? new ServiceError("not_found", `Version ${version} of ${name} was not found.`, fields.version) : notFound("Template");
  const document = row.document as TemplateDocument;
  if (!document.spec.tiers.includes(input.tier)) {
    throw new ServiceError("invalid", `${name} is not offered for the ${input.tier} tier; it offers ${document.spec.tiers.join(", ")}.`, "tier");
  }
  return { template, version: row, document };
}
