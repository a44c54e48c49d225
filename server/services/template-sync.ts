/**
 * Loads templates/ into the database on start. Each folder's version is published once and
 * never changes: the same version number with other content is refused (bump the version),
 * a new version number publishes a new version, a removed folder deprecates the template
 * (environments made from it keep working). A broken file is reported and skipped; the rest
 * loads.
 */
import { and, eq, isNotNull, isNull, sql } from "drizzle-orm";
import { existsSync } from "node:fs";
import type { Database } from "~/db/client";
import { templates, templateSyncProblems, templateVersions } from "~/db/schema";
import { estimateCostRange } from "~/server/templates/cost-range";
import { compareSemver, type TemplateDocument } from "~/server/templates/format";
import { readTemplateFolders, type TemplateFile } from "~/server/templates/files";
import { contentHash, describeIssue } from "~/server/templates/parse";
import { recordAudit, systemActor } from "~/server/core/audit";
import { findTemplateByName, findVersion, latestPublished, lockTemplate, versionColumns } from "./template-versions";

export type SyncReport = {
  published: string[];
  unchanged: string[];
  deprecated: string[];
  restored: string[];
  /** One line per problem: file, line, field and message. */
  errors: string[];
  /** The refused files, each with its problems (one file may have several). */
  refused: { file: string; problems: string[] }[];
};

type Outcome = "published" | "unchanged" | "restored";

async function syncOne(db: Database, file: TemplateFile): Promise<Outcome[]> {
  if (!file.parsed.ok) throw new SyncRefusal(file.parsed.issues.map((i) => describeIssue(file.file, i)));
  const document = file.parsed.document;
  const name = document.metadata.name;
  const version = document.spec.version;
  // Only the hash is needed to see that nothing changed; the cost range is computed on publish.
  const hash = contentHash(document, file.moduleFiles);
  return db.transaction(async (tx) => {
    await lockTemplate(tx, name);
    const outcomes: Outcome[] = [];
    let template = await findTemplateByName(tx, name);
    if (!template) {
      const [created] = await tx.insert(templates).values({ name, source: "file" }).returning();
      if (!created) throw new Error("template insert returned nothing");
      template = created;
    } else if (template.deprecatedAt && template.deprecatedById === null && template.source === "file") {
      // Deprecated by an earlier sync because its folder was gone; the folder is back.
      await tx
        .update(templates)
        .set({ deprecatedAt: null, deprecationReason: null, version: template.version + 1, updatedAt: new Date() })
        .where(eq(templates.id, template.id));
      await recordAudit(tx, systemActor, {
        action: "template.restored",
        subjectType: "template",
        subjectId: template.id,
        after: { name, reason: `${file.file} is back` },
      });
      outcomes.push("restored");
    }

    const existing = await findVersion(tx, template.id, version);
    if (existing?.status === "draft") {
      throw new SyncRefusal([
        `${file.file}: version ${version} of ${name} exists as a draft in the curation UI; publish or delete the draft there, or give the file a new version`,
      ]);
    }
    if (existing) {
      if (existing.contentHash === hash) return [...outcomes, "unchanged"];
      throw new SyncRefusal([
        `${file.file}: version ${version} of ${name} is already published with different content ` +
          `(published ${existing.contentHash?.slice(0, 12)}, file ${hash.slice(0, 12)}); ` +
          `a published version never changes: give the change a new spec.version`,
      ]);
    }
    const latest = await latestPublished(tx, template.id);
    if (latest && compareSemver(version, latest.version) < 0) {
      throw new SyncRefusal([
        `${file.file}: version ${version} of ${name} is older than the published ${latest.version}; versions only move forward`,
      ]);
    }
    const columns = versionColumns(document, file.text, file.moduleFiles);
    const [row] = await tx
      .insert(templateVersions)
      .values({ ...columns, templateId: template.id, status: "published", source: "file", publishedAt: new Date() })
      .returning({ id: templateVersions.id });
    await recordAudit(tx, systemActor, {
      action: "template.published",
      subjectType: "template",
      subjectId: template.id,
      after: { name, version: columns.version, contentHash: columns.contentHash, source: file.file, versionId: row?.id },
    });
    return [...outcomes, "published"];
  });
}

class SyncRefusal extends Error {
  constructor(readonly lines: string[]) {
    super(lines.join("\n"));
  }
}

export async function syncTemplates(db: Database, templatesDir: string, projectRoot?: string): Promise<SyncReport> {
  const report: SyncReport = { published: [], unchanged: [], deprecated: [], restored: [], errors: [], refused: [] };
  // A missing folder is a mistake (a wrong path), not "every template was removed".
  if (!existsSync(templatesDir)) throw new Error(`the templates folder ${templatesDir} does not exist`);
  const files = await readTemplateFolders(templatesDir, projectRoot);
  for (const file of files) {
    try {
      const outcomes = await syncOne(db, file);
      const label = file.parsed.ok ? `${file.parsed.document.metadata.name}@${file.parsed.document.spec.version}` : file.folder;
      for (const outcome of outcomes) report[outcome].push(label);
    } catch (error) {
      const problems = error instanceof SyncRefusal ? error.lines : [`${file.file}: ${(error as Error).message}`];
      report.errors.push(...problems);
      report.refused.push({ file: file.file, problems });
    }
  }
  await recordRefusals(db, report.refused);

  // Folders that are gone (and not merely broken) deprecate their file-sourced template.
  const present = new Set(files.map((f) => f.folder));
  const active = await db
    .select()
    .from(templates)
    .where(and(eq(templates.source, "file"), isNull(templates.deprecatedAt)));
  for (const template of active) {
    if (present.has(template.name)) continue;
    await db.transaction(async (tx) => {
      await lockTemplate(tx, template.name);
      const [updated] = await tx
        .update(templates)
        .set({
          deprecatedAt: new Date(),
          deprecationReason: `templates/${template.name} was removed`,
          version: template.version + 1,
          updatedAt: new Date(),
        })
        .where(and(eq(templates.id, template.id), isNull(templates.deprecatedAt)))
        .returning({ id: templates.id });
      if (!updated) return;
      await recordAudit(tx, systemActor, {
        action: "template.deprecated",
        subjectType: "template",
        subjectId: template.id,
        after: { name: template.name, reason: `templates/${template.name} was removed` },
      });
      report.deprecated.push(template.name);
    });
  }
  await refreshCostRanges(db);
  return report;
}

/**
 * Cost ranges of published versions, recomputed with the price lists of this release and stored,
 * so the catalog reads them instead of computing them on its first view after each start. Only
 * rows whose range changed are written.
 */
export async function refreshCostRanges(db: Database): Promise<number> {
  const rows = await db
    .select({
      id: templateVersions.id,
      document: templateVersions.document,
      min: templateVersions.minMonthlyCents,
      max: templateVersions.maxMonthlyCents,
      default: templateVersions.defaultMonthlyCents,
    })
    .from(templateVersions)
    .where(and(eq(templateVersions.status, "published"), isNotNull(templateVersions.document)));
  let changed = 0;
  for (const row of rows) {
    const range = estimateCostRange(row.document as TemplateDocument);
    if (range.minMonthlyCents === row.min && range.maxMonthlyCents === row.max && range.defaultMonthlyCents === row.default) continue;
    await db
      .update(templateVersions)
      .set({ minMonthlyCents: range.minMonthlyCents, maxMonthlyCents: range.maxMonthlyCents, defaultMonthlyCents: range.defaultMonthlyCents })
      .where(eq(templateVersions.id, row.id));
    changed++;
  }
  return changed;
}

/** The last sync's refused files replace the previous ones: the admin Templates page lists them. */
async function recordRefusals(db: Database, refused: SyncReport["refused"]) {
  await db.transaction(async (tx) => {
    await tx.delete(templateSyncProblems);
    if (refused.length === 0) return;
    // Two syncs at once (two launchers on one database) each write the same rows: the last one wins.
    await tx
      .insert(templateSyncProblems)
      .values(refused.map((r) => ({ file: r.file, problems: r.problems })))
      .onConflictDoUpdate({ target: templateSyncProblems.file, set: { problems: sql`excluded.problems`, reportedAt: sql`now()` } });
  });
}

/** What the last sync refused, file by file. */
export async function lastSyncRefusals(db: Database) {
  return db.select().from(templateSyncProblems).orderBy(templateSyncProblems.file);
}
