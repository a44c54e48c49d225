/**
 * Curation by admins: draft a new template or a new version in YAML, edit it, publish it
 * (from then on immutable), delete a draft, deprecate or restore a template. Every step is one
 * transaction with its audit event; drafts use an optimistic lock so two editors never
 * overwrite each other silently.
 */
import { and, eq } from "drizzle-orm";
import { parseDocument } from "yaml";
import type { Database } from "~/db/client";
import { templates, templateVersions } from "~/db/schema";
import { parameterDefaults } from "~/server/schemas/template-parameters";
import { estimateCostRange } from "~/server/templates/cost-range";
import { compareSemver, parseSemver, templateNamePattern } from "~/server/templates/format";
import { parseTemplateYaml, type LocatedIssue } from "~/server/templates/parse";
import { yamlShapeProblem } from "~/server/templates/yaml-limits";
import { recordAudit, type Actor } from "~/server/core/audit";
import { defaultPlan } from "./catalog";
import { ServiceError, notFound } from "~/server/core/errors";
import { findTemplateByName, findVersion, latestPublished, lockTemplate, versionColumns } from "./template-versions";

const semverPattern = /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)$/;

/** Live feedback for the editor: every issue with its line, and a preview when valid. */
export function validateDraft(yaml: string) {
  const parsed = parseTemplateYaml(yaml);
  if (!parsed.ok) return { issues: parsed.issues, preview: null };
  const document = parsed.document;
  return {
    issues: [] as LocatedIssue[],
    preview: {
      parameters: document.spec.parameters,
      defaults: parameterDefaults(document.spec.parameters),
      costRange: estimateCostRange(document),
      plan: defaultPlan(document),
      policy: document.spec.policy,
      tiers: document.spec.tiers,
    },
  };
}

/** Name and version, which a draft needs even while the rest is still wrong. */
function identify(yaml: string): { name: string; version: string } {
  const shape = yamlShapeProblem(yaml);
  if (shape) throw new ServiceError("invalid", `The YAML ${shape.message}${shape.line ? ` (line ${shape.line})` : ""}.`, "yaml");
  const doc = parseDocument(yaml, { uniqueKeys: true });
  if (doc.errors.length) {
    const e = doc.errors[0];
    throw new ServiceError(
      "invalid",
      `The YAML does not parse${e?.linePos ? ` (line ${e.linePos[0].line})` : ""}: ${e?.message.split("\n")[0]}`,
      "yaml",
    );
  }
  const name = doc.getIn(["metadata", "name"]);
  const version = doc.getIn(["spec", "version"]);
  if (typeof name !== "string" || !templateNamePattern.test(name)) {
    throw new ServiceError(
      "invalid",
      "metadata.name must be set to a template name (lowercase letters, digits and '-') before the draft can be saved.",
      "yaml",
    );
  }
  if (typeof version !== "string" || !semverPattern.test(version)) {
    throw new ServiceError("invalid", "spec.version must be set to a version like 1.0.0 before the draft can be saved.", "yaml");
  }
  return { name, version };
}

function draftColumns(yaml: string, version: string) {
  const parsed = parseTemplateYaml(yaml);
  if (parsed.ok) return { ...versionColumns(parsed.document, yaml, {}), issueCount: 0 };
  const [major, minor, patch] = parseSemver(version);
  return {
    version,
    major,
    minor,
    patch,
    yaml,
    document: null,
    moduleFiles: {},
    contentHash: null,
    minMonthlyCents: null,
    maxMonthlyCents: null,
    defaultMonthlyCents: null,
    issueCount: parsed.issues.length,
  };
}

async function assertVersionFree(tx: Parameters<Parameters<Database["transaction"]>[0]>[0], templateId: string, version: string, exceptId?: string) {
  const existing = await findVersion(tx, templateId, version);
  if (existing && existing.id !== exceptId) {
    throw new ServiceError("conflict", `Version ${version} already exists (${existing.status}); choose a new spec.version.`, "yaml");
  }
  const latest = await latestPublished(tx, templateId);
  if (latest && compareSemver(version, latest.version) <= 0) {
    throw new ServiceError("invalid", `spec.version ${version} must be higher than the published ${latest.version}.`, "yaml");
  }
}

export async function createDraft(db: Database, actor: Actor, yaml: string) {
  const { name, version } = identify(yaml);
  const { issueCount, ...columns } = draftColumns(yaml, version);
  return db.transaction(async (tx) => {
    await lockTemplate(tx, name);
    let template = await findTemplateByName(tx, name);
    if (!template) {
      const [created] = await tx.insert(templates).values({ name, source: "ui" }).returning();
      if (!created) throw new Error("template insert returned nothing");
      template = created;
      await recordAudit(tx, actor, { action: "template.created", subjectType: "template", subjectId: template.id, after: { name } });
    } else {
      // A file template's module files carry over to a new version drafted in the UI.
      const latest = await latestPublished(tx, template.id);
      if (latest) columns.moduleFiles = latest.moduleFiles;
    }
    await assertVersionFree(tx, template.id, version);
    const [draft] = await tx
      .insert(templateVersions)
      .values({ ...columns, templateId: template.id, status: "draft", source: "ui", createdById: actor.id })
      .returning();
    if (!draft) throw new Error("draft insert returned nothing");
    await recordAudit(tx, actor, {
      action: "template.draft_created",
      subjectType: "template",
      subjectId: template.id,
      after: { name, version, versionId: draft.id, valid: issueCount === 0 },
    });
    return { templateId: template.id, name, versionId: draft.id, version, lockVersion: draft.lockVersion, issueCount };
  });
}

async function loadDraft(tx: Parameters<Parameters<Database["transaction"]>[0]>[0], versionId: string, expectedLockVersion: number) {
  const [row] = await tx
    .select({ version: templateVersions, template: templates })
    .from(templateVersions)
    .innerJoin(templates, eq(templates.id, templateVersions.templateId))
    .where(eq(templateVersions.id, versionId))
    .limit(1);
  if (!row) throw notFound("Draft");
  await lockTemplate(tx, row.template.name);
  const [fresh] = await tx.select().from(templateVersions).where(eq(templateVersions.id, versionId)).limit(1);
  if (!fresh) throw notFound("Draft");
  if (fresh.status !== "draft") throw new ServiceError("conflict", `Version ${fresh.version} is already published; published versions never change.`);
  if (fresh.lockVersion !== expectedLockVersion) {
    throw new ServiceError("conflict", "Someone else saved this draft meanwhile; reload to see their changes.");
  }
  return { draft: fresh, template: row.template };
}

export async function updateDraft(db: Database, actor: Actor, input: { versionId: string; yaml: string; expectedLockVersion: number }) {
  const { name, version } = identify(input.yaml);
  return db.transaction(async (tx) => {
    const { draft, template } = await loadDraft(tx, input.versionId, input.expectedLockVersion);
    if (name !== template.name)
      throw new ServiceError("invalid", `metadata.name must stay "${template.name}"; start a new draft for a new template.`, "yaml");
    if (version !== draft.version) await assertVersionFree(tx, template.id, version, draft.id);
    const { issueCount, ...columns } = draftColumns(input.yaml, version);
    const [saved] = await tx
      .update(templateVersions)
      .set({ ...columns, moduleFiles: draft.moduleFiles, lockVersion: draft.lockVersion + 1, updatedAt: new Date() })
      .where(and(eq(templateVersions.id, draft.id), eq(templateVersions.lockVersion, draft.lockVersion)))
      .returning();
    if (!saved) throw new ServiceError("conflict", "Someone else saved this draft meanwhile; reload to see their changes.");
    await recordAudit(tx, actor, {
      action: "template.draft_updated",
      subjectType: "template",
      subjectId: template.id,
      before: { version: draft.version },
      after: { version, versionId: draft.id, valid: issueCount === 0 },
    });
    return { versionId: saved.id, version, lockVersion: saved.lockVersion, issueCount };
  });
}

export async function publishDraft(db: Database, actor: Actor, input: { versionId: string; expectedLockVersion: number }) {
  return db.transaction(async (tx) => {
    const { draft, template } = await loadDraft(tx, input.versionId, input.expectedLockVersion);
    const parsed = parseTemplateYaml(draft.yaml, { moduleFiles: Object.keys(draft.moduleFiles), moduleSources: draft.moduleFiles });
    if (!parsed.ok) {
      const first = parsed.issues[0];
      throw new ServiceError(
        "invalid",
        `The draft has ${parsed.issues.length} problem${parsed.issues.length === 1 ? "" : "s"}; fix them before publishing${first ? ` (first: ${first.line ? `line ${first.line}, ` : ""}${first.path}: ${first.message})` : ""}.`,
        "yaml",
      );
    }
    await assertVersionFree(tx, template.id, parsed.document.spec.version, draft.id);
    const columns = versionColumns(parsed.document, draft.yaml, draft.moduleFiles);
    const [published] = await tx
      .update(templateVersions)
      .set({
        ...columns,
        status: "published",
        publishedById: actor.id,
        publishedAt: new Date(),
        lockVersion: draft.lockVersion + 1,
        updatedAt: new Date(),
      })
      .where(and(eq(templateVersions.id, draft.id), eq(templateVersions.status, "draft"), eq(templateVersions.lockVersion, draft.lockVersion)))
      .returning();
    if (!published) throw new ServiceError("conflict", "Someone else changed this draft meanwhile; reload it.");
    await recordAudit(tx, actor, {
      action: "template.published",
      subjectType: "template",
      subjectId: template.id,
      after: { name: template.name, version: published.version, contentHash: published.contentHash, versionId: published.id, source: "ui" },
    });
    return { templateId: template.id, name: template.name, version: published.version, contentHash: published.contentHash };
  });
}

export async function deleteDraft(db: Database, actor: Actor, input: { versionId: string; expectedLockVersion: number }) {
  return db.transaction(async (tx) => {
    const { draft, template } = await loadDraft(tx, input.versionId, input.expectedLockVersion);
    await tx.delete(templateVersions).where(eq(templateVersions.id, draft.id));
    await recordAudit(tx, actor, {
      action: "template.draft_deleted",
      subjectType: "template",
      subjectId: template.id,
      before: { version: draft.version, versionId: draft.id },
    });
    return { templateId: template.id, name: template.name };
  });
}

export async function deprecateTemplate(db: Database, actor: Actor, input: { templateId: string; reason: string }) {
  return db.transaction(async (tx) => {
    const [template] = await tx.select().from(templates).where(eq(templates.id, input.templateId)).limit(1);
    if (!template) throw notFound("Template");
    await lockTemplate(tx, template.name);
    if (template.deprecatedAt) throw new ServiceError("conflict", `${template.name} is already deprecated.`);
    await tx
      .update(templates)
      .set({
        deprecatedAt: new Date(),
        deprecatedById: actor.id,
        deprecationReason: input.reason,
        version: template.version + 1,
        updatedAt: new Date(),
      })
      .where(eq(templates.id, template.id));
    await recordAudit(tx, actor, {
      action: "template.deprecated",
      subjectType: "template",
      subjectId: template.id,
      after: { name: template.name, reason: input.reason },
    });
    return { name: template.name };
  });
}

export async function restoreTemplate(db: Database, actor: Actor, input: { templateId: string }) {
  return db.transaction(async (tx) => {
    const [template] = await tx.select().from(templates).where(eq(templates.id, input.templateId)).limit(1);
    if (!template) throw notFound("Template");
    await lockTemplate(tx, template.name);
    if (!template.deprecatedAt) throw new ServiceError("conflict", `${template.name} is not deprecated.`);
    await tx
      .update(templates)
      .set({ deprecatedAt: null, deprecatedById: null, deprecationReason: null, version: template.version + 1, updatedAt: new Date() })
      .where(eq(templates.id, template.id));
    await recordAudit(tx, actor, {
      action: "template.restored",
      subjectType: "template",
      subjectId: template.id,
      before: { reason: template.deprecationReason },
      after: { name: template.name },
    });
    return { name: template.name };
  });
}
