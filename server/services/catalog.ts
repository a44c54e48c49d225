/**
 * The catalog as people read it: the newest published version of every template, and one
 * template's page (description, parameters, resources with cost at defaults, policy, history).
 */
import { and, asc, eq, inArray, sql } from "drizzle-orm";
import { alias } from "drizzle-orm/pg-core";
import type { Executor } from "~/db/client";
import { templates, templateVersions, users, type Template, type TemplateVersion } from "~/db/schema";
import { engineAvailability, engineRegistry } from "~/server/engines/registry";
import { parameterDefaults } from "~/server/schemas/template-parameters";
import { estimateCostRange, type CostRange } from "~/server/templates/cost-range";
import type { TemplateDocument, Tier } from "~/server/templates/format";
import { planTemplate } from "~/server/templates/plan";
import { notFound } from "~/server/core/errors";
import { validateParameterValues } from "./template-parameters";
import { loadVersionForRequest, semverOrder } from "./template-versions";

export type CatalogEntry = ReturnType<typeof catalogEntry>;

/**
 * Cost ranges from the price lists this process runs with: a published version never changes,
 * but prices do (a new price list ships with a new release), so the range is recomputed once
 * per version and process rather than read from what was stored at publish time.
 */
const costRanges = new Map<string, CostRange>();
function currentCostRange(versionId: string, document: TemplateDocument): CostRange {
  let range = costRanges.get(versionId);
  if (!range) {
    range = estimateCostRange(document);
    costRanges.set(versionId, range);
  }
  return range;
}

function unavailableReason(engine: TemplateDocument["spec"]["engine"]): string | null {
  const availability = engineAvailability(engine);
  return availability.available ? null : availability.reason;
}

function catalogEntry(template: Template, version: TemplateVersion, draftCount = 0) {
  const doc = version.document as TemplateDocument;
  const range = currentCostRange(version.id, doc);
  return {
    id: template.id,
    name: template.name,
    source: template.source,
    title: doc.metadata.title,
    description: doc.metadata.description,
    category: doc.metadata.category,
    owner: doc.metadata.owner,
    icon: doc.metadata.icon ?? null,
    tags: doc.metadata.tags,
    tiers: doc.spec.tiers,
    engine: doc.spec.engine,
    engineTitle: engineRegistry[doc.spec.engine].title,
    /** What its engine can do (the UI offers a plan preview when `planPreview`). */
    engineCapabilities: engineRegistry[doc.spec.engine].capabilities,
    /** Why this install cannot provision it (e.g. no terraform binary), or null. */
    unavailableReason: unavailableReason(doc.spec.engine),
    version: version.version,
    publishedAt: version.publishedAt,
    resourceCount: doc.spec.resources.length,
    minMonthlyCents: range.minMonthlyCents,
    maxMonthlyCents: range.maxMonthlyCents,
    defaultMonthlyCents: range.defaultMonthlyCents,
    deprecated: template.deprecatedAt !== null,
    deprecationReason: template.deprecationReason,
    draftCount,
  };
}

/** Newest published version per template; deprecated templates only when asked (admins). */
export async function listCatalog(db: Executor, options: { includeDeprecated?: boolean; withDraftCounts?: boolean } = {}): Promise<CatalogEntry[]> {
  const drafts = new Map<string, number>();
  if (options.withDraftCounts) {
    const counts = await db
      .select({ templateId: templateVersions.templateId, count: sql<number>`count(*)::int` })
      .from(templateVersions)
      .where(eq(templateVersions.status, "draft"))
      .groupBy(templateVersions.templateId);
    for (const c of counts) drafts.set(c.templateId, c.count);
  }
  const rows = await db
    .select({ template: templates, version: templateVersions })
    .from(templateVersions)
    .innerJoin(templates, eq(templates.id, templateVersions.templateId))
    .where(eq(templateVersions.status, "published"))
    .orderBy(asc(templates.name), ...semverOrder);
  const newest = new Map<string, CatalogEntry>();
  for (const row of rows) {
    if (newest.has(row.template.id)) continue;
    if (row.template.deprecatedAt && !options.includeDeprecated) continue;
    newest.set(row.template.id, catalogEntry(row.template, row.version, drafts.get(row.template.id) ?? 0));
  }
  return [...newest.values()];
}

const publisher = alias(users, "publisher");
const creator = alias(users, "creator");

export type VersionSummary = Awaited<ReturnType<typeof versionRows>>[number]["summary"];

/** Versions newest first: each as the page shows it, with its full row for the caller's own use. */
async function versionRows(db: Executor, templateId: string, includeDrafts: boolean) {
  const statuses: TemplateVersion["status"][] = includeDrafts ? ["published", "draft"] : ["published"];
  const rows = await db
    .select({ version: templateVersions, publishedBy: publisher.name, createdBy: creator.name })
    .from(templateVersions)
    .leftJoin(publisher, eq(publisher.id, templateVersions.publishedById))
    .leftJoin(creator, eq(creator.id, templateVersions.createdById))
    .where(and(eq(templateVersions.templateId, templateId), inArray(templateVersions.status, statuses)))
    .orderBy(...semverOrder);
  return rows.map(({ version: v, publishedBy, createdBy }) => ({
    row: v,
    summary: {
      id: v.id,
      version: v.version,
      status: v.status,
      source: v.source,
      yaml: v.yaml,
      moduleFiles: v.moduleFiles,
      valid: v.document !== null,
      contentHash: v.contentHash,
      publishedAt: v.publishedAt,
      // Null publisher on a published version: the file sync published it.
      publishedBy: v.status === "published" ? (publishedBy ?? (v.source === "file" ? "template sync" : null)) : null,
      createdBy,
      updatedAt: v.updatedAt,
      lockVersion: v.lockVersion,
      minMonthlyCents: v.minMonthlyCents,
      maxMonthlyCents: v.maxMonthlyCents,
    },
  }));
}

/** The plan a request with default values would make: what the template page lists as its resources. */
export function defaultPlan(document: TemplateDocument) {
  const tier = document.spec.tiers[0] ?? "dev";
  const plan = planTemplate(document.metadata.name, document.spec, parameterDefaults(document.spec.parameters), {
    environmentName: "example",
    tier,
    team: "your-team",
  });
  const catalog = engineRegistry[document.spec.engine];
  return {
    tier,
    monthlyCents: plan.monthlyCents,
    hourlyMicros: plan.hourlyMicros,
    resources: plan.resources.map((r) => ({
      address: r.address,
      type: r.type,
      title: r.title,
      typeTitle: catalog.resourceTypes[r.type]?.title ?? r.type,
      region: r.region,
      size: r.size,
      monthlyCents: r.monthlyCents,
    })),
    tagKeys: Object.keys(plan.resources[0]?.tags ?? {}),
    priceSource: catalog.priceList.source,
  };
}

export async function getTemplateDetail(db: Executor, name: string, options: { includeDrafts?: boolean } = {}) {
  const [template] = await db.select().from(templates).where(eq(templates.name, name)).limit(1);
  if (!template) throw notFound("Template");
  const rows = await versionRows(db, template.id, options.includeDrafts ?? false);
  const latestRow = rows.find((v) => v.row.status === "published")?.row;
  // Without a published version (a UI template still in draft) only curators may see it.
  if (!latestRow && !options.includeDrafts) throw notFound("Template");
  const document = (latestRow?.document ?? null) as TemplateDocument | null;
  return {
    template: {
      id: template.id,
      name: template.name,
      source: template.source,
      deprecatedAt: template.deprecatedAt,
      deprecationReason: template.deprecationReason,
      version: template.version,
    },
    latest: latestRow && document ? { ...catalogEntry(template, latestRow), document, plan: defaultPlan(document) } : null,
    versions: rows.map(({ summary }) => summary),
  };
}

/**
 * What a request with these values would create and cost: the server-side twin of the request
 * form's live preview. Refuses deprecated templates, tiers the template does not offer and
 * any wrong parameter, naming the field.
 */
export async function previewRequestPlan(
  db: Executor,
  input: { name: string; version?: string; tier: Tier; environmentName: string; teamSlug: string; parameters: unknown },
) {
  const { template, version, document } = await loadVersionForRequest(
    db,
    { name: input.name, version: input.version, tier: input.tier },
    { name: "name", version: "version" },
  );
  const values = validateParameterValues(document.spec.parameters, input.parameters);
  const plan = planTemplate(template.name, document.spec, values, { environmentName: input.environmentName, tier: input.tier, team: input.teamSlug });
  return {
    version: version.version,
    parameters: values,
    plan,
    ttl: document.spec.policy.ttl[input.tier] ?? null,
    approvals: document.spec.policy.approvals[input.tier] ?? [],
    costApproval: document.spec.policy.costApproval ?? null,
  };
}
