/**
 * The catalog as people read it: the newest published version of every template, and one
 * template's page (description, parameters, resources with cost at defaults, policy, history).
 */
import { and, asc, eq, inArray, isNull, sql } from "drizzle-orm";
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
 * Cost ranges are computed with this release's price lists when templates are synced at start
 * (template-sync.ts refreshCostRanges) and when a version is published, and stored on the
 * version; one without them (an older row) is computed from its document, once per process.
 */
const computedRanges = new Map<string, CostRange>();
async function costRangeOf(db: Executor, version: CardVersion): Promise<CostRange> {
  const { minMonthlyCents, maxMonthlyCents, defaultMonthlyCents } = version;
  if (minMonthlyCents !== null && maxMonthlyCents !== null && defaultMonthlyCents !== null)
    return { minMonthlyCents, maxMonthlyCents, defaultMonthlyCents };
  let range = computedRanges.get(version.id);
  if (!range) {
    const [row] = await db.select({ document: templateVersions.document }).from(templateVersions).where(eq(templateVersions.id, version.id));
    range = estimateCostRange(row!.document as TemplateDocument);
    computedRanges.set(version.id, range);
  }
  return range;
}

function unavailableReason(engine: TemplateDocument["spec"]["engine"]): string | null {
  const availability = engineAvailability(engine);
  return availability.available ? null : availability.reason;
}

/** What a catalog card shows of a version: the document's metadata and a few facts of its spec, never the whole document. */
const versionSummaryColumns = {
  id: templateVersions.id,
  version: templateVersions.version,
  publishedAt: templateVersions.publishedAt,
  metadata: sql<TemplateDocument["metadata"]>`${templateVersions.document}->'metadata'`,
  tiers: sql<TemplateDocument["spec"]["tiers"]>`${templateVersions.document}->'spec'->'tiers'`,
  engine: sql<TemplateDocument["spec"]["engine"]>`${templateVersions.document}->'spec'->>'engine'`,
  resourceCount: sql<number>`jsonb_array_length(${templateVersions.document}->'spec'->'resources')`,
  minMonthlyCents: templateVersions.minMonthlyCents,
  maxMonthlyCents: templateVersions.maxMonthlyCents,
  defaultMonthlyCents: templateVersions.defaultMonthlyCents,
};

type CardVersion = {
  id: string;
  version: string;
  publishedAt: Date | null;
  metadata: TemplateDocument["metadata"];
  tiers: TemplateDocument["spec"]["tiers"];
  engine: TemplateDocument["spec"]["engine"];
  resourceCount: number;
  minMonthlyCents: number | null;
  maxMonthlyCents: number | null;
  defaultMonthlyCents: number | null;
};

/** A full version row as a card's version (template pages, which load the row anyway). */
function cardVersion(row: TemplateVersion, document: TemplateDocument): CardVersion {
  return {
    id: row.id,
    version: row.version,
    publishedAt: row.publishedAt,
    metadata: document.metadata,
    tiers: document.spec.tiers,
    engine: document.spec.engine,
    resourceCount: document.spec.resources.length,
    minMonthlyCents: row.minMonthlyCents,
    maxMonthlyCents: row.maxMonthlyCents,
    defaultMonthlyCents: row.defaultMonthlyCents,
  };
}

function catalogEntry(template: Template, version: CardVersion, range: CostRange, draftCount = 0) {
  const { metadata, engine } = version;
  return {
    id: template.id,
    name: template.name,
    source: template.source,
    title: metadata.title,
    description: metadata.description,
    category: metadata.category,
    owner: metadata.owner,
    icon: metadata.icon ?? null,
    tags: metadata.tags,
    tiers: version.tiers,
    engine,
    engineTitle: engineRegistry[engine].title,
    /** What its engine can do (the UI offers a plan preview when `planPreview`). */
    engineCapabilities: engineRegistry[engine].capabilities,
    /** Why this install cannot provision it (e.g. no terraform binary), or null. */
    unavailableReason: unavailableReason(engine),
    version: version.version,
    publishedAt: version.publishedAt,
    resourceCount: version.resourceCount,
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
  // One row per template: its newest published version (DISTINCT ON the template, semver order).
  const rows = await db
    .selectDistinctOn([templates.name], { template: templates, version: versionSummaryColumns })
    .from(templateVersions)
    .innerJoin(templates, eq(templates.id, templateVersions.templateId))
    .where(and(eq(templateVersions.status, "published"), options.includeDeprecated ? undefined : isNull(templates.deprecatedAt)))
    .orderBy(asc(templates.name), ...semverOrder);
  return Promise.all(
    rows.map(async (row) => catalogEntry(row.template, row.version, await costRangeOf(db, row.version), drafts.get(row.template.id) ?? 0)),
  );
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
    latest:
      latestRow && document
        ? {
            ...catalogEntry(template, cardVersion(latestRow, document), await costRangeOf(db, cardVersion(latestRow, document))),
            document,
            plan: defaultPlan(document),
          }
        : null,
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
