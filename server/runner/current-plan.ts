/**
 * The plan of what an environment runs with now: its template version and parameters (its own
 * after an update, else its create request's), with the tags its resources carry. The rollback
 * run converges back to it; the update run reads its target from the update request instead.
 */
import { eq } from "drizzle-orm";
import type { Database } from "~/db/client";
import { environments, requests, teams, templates, templateVersions, users } from "~/db/schema";
import type { TemplateDocument } from "~/server/templates/format";
import { planTemplate } from "~/server/templates/plan";

export async function currentPlanFor(db: Database, environmentId: string) {
  const [row] = await db
    .select({
      environment: environments,
      originParameters: requests.parameters,
      document: templateVersions.document,
      templateName: templates.name,
      team: teams,
      ownerEmail: users.email,
    })
    .from(environments)
    .innerJoin(requests, eq(requests.id, environments.requestId))
    .innerJoin(templateVersions, eq(templateVersions.id, environments.templateVersionId))
    .innerJoin(templates, eq(templates.id, templateVersions.templateId))
    .innerJoin(teams, eq(teams.id, environments.teamId))
    .innerJoin(users, eq(users.id, environments.ownerId))
    .where(eq(environments.id, environmentId))
    .limit(1);
  if (!row) throw new Error(`environment ${environmentId} (or its request, template version or team) is missing`);
  const { environment, team } = row;
  const document = row.document as TemplateDocument;
  const parameters = environment.parameters ?? row.originParameters;
  const plan = planTemplate(row.templateName, document.spec, parameters, {
    environmentName: environment.name,
    tier: environment.tier,
    team: team.slug,
    tagValues: {
      "environment-id": environment.id,
      "request-id": environment.requestId,
      team: team.slug,
      owner: row.ownerEmail,
      "cost-center": team.costCenter,
      "expires-at": environment.expiresAt.toISOString(),
    },
  });
  return { environment, document, parameters, plan, teamSlug: team.slug };
}
