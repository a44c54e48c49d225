/**
 * The dry run of a fleet rollout (issue 14): every live environment of a template that runs an
 * older version than the target, planned with the same evaluation a single update's preview uses
 * (evaluateUpdateChange: plan diff, cost delta, policy decision), so the totals are what the
 * rollout will do. Environments the rollout cannot move now are listed with the reason: not
 * ready, a run in progress, an open change, a deprecated template, a policy denial.
 */
import { and, eq, inArray, ne } from "drizzle-orm";
import type { Executor } from "~/db/client";
import { environments, requests, teams, templates, templateVersions, users, type Environment } from "~/db/schema";
import { ServiceError } from "~/server/core/errors";
import { compareSemver } from "~/server/templates/format";
import { requestLabel } from "./requests";
import { activeRunOf, evaluateUpdateChange } from "./update-evaluation";
import type { Viewer } from "./users";

export type FleetPlanInput = { templateName: string; targetVersion: string };

export type PlannedEnvironment = {
  environmentId: string;
  name: string;
  tier: "dev" | "staging" | "prod";
  teamId: string;
  teamName: string;
  ownerId: string;
  ownerName: string;
  fromVersion: string;
  /** Resources updated in place, replaced (stateful ones among them), created, deleted. */
  changes: { update: number; replace: number; statefulReplace: number; create: number; delete: number };
  monthlyDeltaCents: number;
  /** The update needs approval in this tier (the rollout waits for it, or an admin skips it). */
  needsApproval: boolean;
};
export type RefusedEnvironment = Omit<PlannedEnvironment, "changes" | "monthlyDeltaCents" | "needsApproval"> & { reason: string };

const tierOrder = { dev: 0, staging: 1, prod: 2 } as const;

/** The template and its target version, refusing what cannot be rolled out (the error names the field). */
export async function rolloutTarget(tx: Executor, input: FleetPlanInput) {
  const [template] = await tx.select().from(templates).where(eq(templates.name, input.templateName)).limit(1);
  if (!template) throw new ServiceError("not_found", `Template ${input.templateName} was not found.`, "templateName");
  if (template.deprecatedAt)
    throw new ServiceError(
      "invalid",
      `${template.name} is deprecated, so none of its versions can be rolled out${template.deprecationReason ? `: ${template.deprecationReason}` : "."}`,
      "targetVersion",
    );
  const [version] = await tx
    .select()
    .from(templateVersions)
    .where(and(eq(templateVersions.templateId, template.id), eq(templateVersions.version, input.targetVersion)))
    .limit(1);
  if (!version) throw new ServiceError("not_found", `Version ${input.targetVersion} of ${template.name} was not found.`, "targetVersion");
  if (version.status !== "published")
    throw new ServiceError(
      "invalid",
      `Version ${input.targetVersion} of ${template.name} is a draft; only a published version can be rolled out.`,
      "targetVersion",
    );
  return { template, version };
}

/** Plans every environment behind the target version. Read-only: nothing is locked or written. */
export async function planFleetRollout(tx: Executor, viewer: Viewer, input: FleetPlanInput, now = new Date()) {
  const { template, version } = await rolloutTarget(tx, input);
  const rows = await tx
    .select({ environment: environments, fromVersion: templateVersions.version, team: teams, ownerName: users.name })
    .from(environments)
    .innerJoin(templateVersions, eq(templateVersions.id, environments.templateVersionId))
    .innerJoin(teams, eq(teams.id, environments.teamId))
    .innerJoin(users, eq(users.id, environments.ownerId))
    .where(and(eq(templateVersions.templateId, template.id), ne(environments.status, "destroyed")));
  const behind = rows
    .filter((r) => compareSemver(r.fromVersion, version.version) < 0)
    .sort((a, b) => tierOrder[a.environment.tier] - tierOrder[b.environment.tier] || a.environment.name.localeCompare(b.environment.name));
  const openChanges = await openChangesOf(
    tx,
    behind.map((r) => r.environment.id),
  );

  const planned: PlannedEnvironment[] = [];
  const refused: RefusedEnvironment[] = [];
  for (const { environment, fromVersion, team, ownerName } of behind) {
    const base = {
      environmentId: environment.id,
      name: environment.name,
      tier: environment.tier,
      teamId: team.id,
      teamName: team.name,
      ownerId: environment.ownerId,
      ownerName,
      fromVersion,
    };
    const reason = await refusalOf(tx, environment, openChanges.get(environment.id));
    if (reason) {
      refused.push({ ...base, reason });
      continue;
    }
    try {
      const e = await evaluateUpdateChange(tx, {
        viewer,
        environment,
        team,
        change: { environmentId: environment.id, templateVersion: version.version, parameters: {} },
        now,
      });
      if (e.decision.outcome === "denied") {
        const reasons = e.decision.reasons.filter((r) => r.effect === "deny").map((r) => r.message);
        refused.push({ ...base, reason: `policy denies the change: ${reasons.join("; ")}` });
        continue;
      }
      planned.push({
        ...base,
        changes: {
          update: e.diff.counts.update,
          replace: e.diff.counts.replace,
          statefulReplace: e.diff.destructive.length,
          create: e.diff.counts.create,
          delete: e.diff.counts.delete,
        },
        monthlyDeltaCents: e.cost.monthlyDeltaCents,
        needsApproval: e.decision.outcome === "needs_approval",
      });
    } catch (error) {
      if (!(error instanceof ServiceError)) throw error;
      refused.push({ ...base, reason: error.message });
    }
  }
  const sum = (f: (p: PlannedEnvironment) => number) => planned.reduce((total, p) => total + f(p), 0);
  return {
    template: { id: template.id, name: template.name },
    target: { id: version.id, version: version.version },
    totals: {
      environments: planned.length,
      inPlace: sum((p) => p.changes.update),
      replacements: sum((p) => p.changes.replace),
      statefulReplacements: sum((p) => p.changes.statefulReplace),
      creates: sum((p) => p.changes.create),
      deletes: sum((p) => p.changes.delete),
      monthlyDeltaCents: sum((p) => p.monthlyDeltaCents),
      needApproval: planned.filter((p) => p.needsApproval).length,
      refused: refused.length,
    },
    planned,
    refused,
  };
}

export type FleetPlan = Awaited<ReturnType<typeof planFleetRollout>>;

/** Why the rollout cannot move this environment now, or null. Shared with the batch start. */
export async function refusalOf(tx: Executor, environment: Environment, openChange?: string): Promise<string | null> {
  if (environment.status !== "ready") return `not ready: it is ${environment.status}`;
  const run = await activeRunOf(tx, environment.id);
  if (run) return `a ${run.kind} run is in progress`;
  if (openChange) return `${openChange} already changes it`;
  return null;
}

/** Open update requests by environment ("R-12"). */
export async function openChangesOf(tx: Executor, environmentIds: string[]): Promise<Map<string, string>> {
  if (!environmentIds.length) return new Map();
  const rows = await tx
    .select({ environmentId: requests.environmentId, number: requests.number })
    .from(requests)
    .where(
      and(
        inArray(requests.environmentId, environmentIds),
        eq(requests.kind, "update"),
        inArray(requests.status, ["pending_approval", "approved", "queued", "provisioning"]),
      ),
    );
  return new Map(rows.map((r) => [r.environmentId!, requestLabel(r)]));
}
