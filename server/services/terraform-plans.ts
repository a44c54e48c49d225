/**
 * Terraform plan previews: a real `terraform plan` of what a request would create (the request
 * form's values, or a submitted request for its page and its approvers), with the resource
 * changes and the cost priced from the plan. A plan takes seconds, so it is an explicit action,
 * run in this process and cached by everything that goes into it (template version, module
 * files, parameters, tags): the same values answer at once the second time.
 */
import { eq } from "drizzle-orm";
import type { Database } from "~/db/client";
import { requests, teams, templates, templateVersions } from "~/db/schema";
import { EngineError, type EnvironmentSpec } from "~/server/engines/engine";
import { engineAvailability, engineCapabilities, engineRegistry } from "~/server/engines/registry";
import type { TerraformEngine, TerraformPlanPreview } from "~/server/engines/terraform/engine";
import type { ParameterValue } from "~/server/schemas/template-parameters";
import type { TemplateDocument, Tier } from "~/server/templates/format";
import type { Plan } from "~/server/templates/plan";
import { notFound, ServiceError } from "~/server/core/errors";
import { evaluateRequest, type RequestDraft } from "./request-evaluation";
import { canReadRequest } from "~/server/access/rules";
import type { Viewer } from "./users";

export type TerraformPlanResult = TerraformPlanPreview & { templateVersion: string };

const planned = (plan: Plan): EnvironmentSpec["planned"] =>
  plan.resources.map((r) => ({ address: r.address, id: r.id, index: r.index, region: r.region, size: r.size, hourlyMicros: r.hourlyMicros }));

async function run(engine: TerraformEngine, spec: Omit<EnvironmentSpec, "environmentId">): Promise<TerraformPlanResult> {
  const engineName = spec.template.document.spec.engine;
  if (!engineCapabilities(engineName).planPreview)
    throw new ServiceError(
      "invalid",
      `${spec.template.name} has no plan preview: with the ${engineRegistry[engineName].title} engine, its plan is the one shown with the cost.`,
      "templateName",
    );
  const availability = engineAvailability(engineName);
  if (!availability.available) throw new ServiceError("invalid", availability.reason, "templateName");
  try {
    return { ...(await engine.previewPlan(spec)), templateVersion: spec.template.version };
  } catch (error) {
    if (error instanceof EngineError) throw new ServiceError("invalid", error.message);
    throw error;
  }
}

async function versionFiles(db: Database, versionId: string) {
  const [row] = await db
    .select({ document: templateVersions.document, moduleFiles: templateVersions.moduleFiles })
    .from(templateVersions)
    .where(eq(templateVersions.id, versionId))
    .limit(1);
  if (!row?.document) throw notFound("Template version");
  return { document: row.document as TemplateDocument, moduleFiles: row.moduleFiles };
}

/** The plan of the request form's values (the caller is a member of the team: checked by the procedure). */
export async function planTerraformDraft(
  db: Database,
  viewer: Viewer,
  teamId: string,
  draft: RequestDraft,
  engine: TerraformEngine = engineRegistry.terraform.engine(),
): Promise<TerraformPlanResult> {
  const [team] = await db.select().from(teams).where(eq(teams.id, teamId)).limit(1);
  if (!team) throw notFound("Team");
  const evaluation = await db.transaction((tx) => evaluateRequest(tx, { team, viewer, draft, now: new Date() }));
  const { document, moduleFiles } = await versionFiles(db, evaluation.version.id);
  return run(engine, {
    template: { name: evaluation.template.name, version: evaluation.version.version, document, moduleFiles },
    parameters: evaluation.parameters,
    environment: { name: draft.environmentName, tier: draft.tier, team: team.slug },
    tags: evaluation.plan.resources[0]?.tags ?? {},
    planned: planned(evaluation.plan),
  });
}

/** The plan of a submitted request, for whoever may read the request (its team, admins, auditors). */
export async function planTerraformRequest(
  db: Database,
  viewer: Viewer,
  requestId: string,
  engine: TerraformEngine = engineRegistry.terraform.engine(),
): Promise<TerraformPlanResult> {
  const [row] = await db
    .select({ request: requests, teamSlug: teams.slug, templateName: templates.name, version: templateVersions.version })
    .from(requests)
    .innerJoin(teams, eq(teams.id, requests.teamId))
    .innerJoin(templateVersions, eq(templateVersions.id, requests.templateVersionId))
    .innerJoin(templates, eq(templates.id, templateVersions.templateId))
    .where(eq(requests.id, requestId))
    .limit(1);
  if (!row || !canReadRequest(viewer, row.request)) throw notFound("Request");
  const { request } = row;
  const { document, moduleFiles } = await versionFiles(db, request.templateVersionId);
  const plan = request.plan as Plan;
  return run(engine, {
    template: { name: row.templateName, version: row.version, document, moduleFiles },
    parameters: request.parameters as Record<string, ParameterValue | undefined>,
    environment: { name: request.environmentName, tier: request.tier as Tier, team: row.teamSlug },
    tags: plan.resources[0]?.tags ?? {},
    planned: planned(plan),
  });
}
