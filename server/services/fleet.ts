/**
 * The fleet of a template: every live environment made from it, by version, with which ones are
 * behind the newest published version, their owners, teams and tiers. Admins and auditors see
 * every team's; a team approver sees the teams they approve in; anyone else is refused.
 */
import { and, eq, inArray, ne } from "drizzle-orm";
import type { Database } from "~/db/client";
import { environments, teams, templates, templateVersions, users } from "~/db/schema";
import { ServiceError } from "~/server/core/errors";
import { isApproverIn, oversees } from "~/server/access/rules";
import { compareSemver } from "~/server/templates/format";
import { latestPublished } from "./template-versions";
import type { Viewer } from "./users";

/** Whether the viewer may look at fleets at all (and whose teams). */
export function fleetTeams(viewer: Viewer): "all" | string[] {
  if (oversees(viewer)) return "all";
  return viewer.teams.filter((t) => isApproverIn(viewer, t.id)).map((t) => t.id);
}

export async function templateFleet(db: Database, viewer: Viewer, templateName: string) {
  const scope = fleetTeams(viewer);
  if (scope !== "all" && scope.length === 0) throw new ServiceError("forbidden", "Only admins and team approvers can see a template's fleet.");
  const [template] = await db.select().from(templates).where(eq(templates.name, templateName)).limit(1);
  if (!template) throw new ServiceError("not_found", `Template ${templateName} was not found.`, "templateName");
  const latest = await latestPublished(db, template.id);
  const rows = await db
    .select({
      id: environments.id,
      name: environments.name,
      tier: environments.tier,
      status: environments.status,
      expiresAt: environments.expiresAt,
      version: templateVersions.version,
      teamId: teams.id,
      teamName: teams.name,
      ownerName: users.name,
      ownerEmail: users.email,
    })
    .from(environments)
    .innerJoin(templateVersions, eq(templateVersions.id, environments.templateVersionId))
    .innerJoin(teams, eq(teams.id, environments.teamId))
    .innerJoin(users, eq(users.id, environments.ownerId))
    .where(
      and(
        eq(templateVersions.templateId, template.id),
        ne(environments.status, "destroyed"),
        scope === "all" ? undefined : inArray(environments.teamId, scope),
      ),
    )
    .orderBy(environments.name);
  const list = rows.map((r) => ({ ...r, behind: latest !== null && compareSemver(r.version, latest.version) < 0 }));
  const versions = [...new Set(list.map((r) => r.version))]
    .sort((a, b) => compareSemver(b, a))
    .map((version) => ({ version, environments: list.filter((r) => r.version === version).length, latest: version === latest?.version }));
  return {
    template: { name: template.name, deprecated: template.deprecatedAt !== null },
    latestVersion: latest?.version ?? null,
    versions,
    behind: list.filter((r) => r.behind).length,
    environments: list,
    scope: scope === "all" ? ("all teams" as const) : ("your teams" as const),
  };
}
