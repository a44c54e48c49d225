/**
 * Fleet rollout tests' shared set-up (server/services/fleet-rollout.test.ts, the worker's wake-up
 * test): a team with an owner, an admin and two approvers; a template published at 1.0.0 and 1.0.1;
 * ready sim environments of it; and `drain`, the worker's part (queued update and rollback runs
 * executed in-process until none is left).
 */
import { randomUUID } from "node:crypto";
import { and, eq, inArray, sql } from "drizzle-orm";
import type { Database } from "~/db/client";
import { environments, requests, runs } from "~/db/schema";
import { quietSimConfig } from "~/server/engines/sim/cloud";
import { createSimEngine } from "~/server/engines/sim/engine";
import { executeRun } from "~/server/runner/execute";
import { startApply } from "~/server/runner/start-apply";
import { decideRequest } from "~/server/services/approvals";
import { loadViewer, type Viewer } from "~/server/services/users";
import { callerFor, makeTeam, makeUser } from "./fixtures";
import { templateYaml, uniqueTemplateName } from "./templates";

export type FleetWorld = Awaited<ReturnType<typeof fleetWorld>>;

export async function fleetWorld(db: Database) {
  const sim = createSimEngine({ db, config: quietSimConfig });
  const [o, a, b, c] = await Promise.all([makeUser(db), makeUser(db, { globalRole: "admin" }), makeUser(db), makeUser(db)]);
  const teamId = (
    await makeTeam(db, [
      { userId: o.id, role: "member" },
      { userId: b.id, role: "approver" },
      { userId: c.id, role: "approver" },
    ])
  ).id;
  await db.execute(sql`update teams set monthly_budget_cents = 100000000, quota_instances = 1000, quota_vcpus = 10000 where id = ${teamId}`);
  const owner: Viewer = (await loadViewer(db, o.id))!;
  const admin: Viewer = (await loadViewer(db, a.id))!;
  const approvers: Viewer[] = [(await loadViewer(db, b.id))!, (await loadViewer(db, c.id))!];
  const retry = { attempts: 2, baseMs: 1, maxMs: 2 };
  const runner = () => ({ workerId: "test-worker", engines: () => sim, retry });

  /** A template published at 1.0.0 and 1.0.1 (1.0.1 adds a tag: every resource is updated in place). */
  async function twoVersions() {
    const name = uniqueTemplateName("fleet");
    const caller = await callerFor(db, admin.id);
    for (const [version, patch] of [
      ["1.0.0", {}],
      ["1.0.1", { spec: { policy: { tags: { service: "${params.instance_type}", rollout: "second" } } } }],
    ] as const) {
      const draft = await caller.templateAdmin.createDraft({ yaml: templateYaml(name, version, patch) });
      await caller.templateAdmin.publish({ versionId: draft.versionId, expectedLockVersion: draft.lockVersion });
    }
    return name;
  }

  /** `count` ready environments of `template` at 1.0.0 (prod ones approved by the two approvers). */
  async function fleet(template: string, count: number, tier: "dev" | "prod" = "dev") {
    const caller = await callerFor(db, owner.id);
    const ids: string[] = [];
    for (let i = 0; i < count; i++) {
      const { id: requestId } = await caller.requests.submit({
        teamId,
        templateName: template,
        templateVersion: "1.0.0",
        tier,
        environmentName: `${tier}-${i}-${randomUUID().slice(0, 4)}`,
        ttlHours: 48,
        parameters: {},
        justification: "fleet rollout tests",
        clientRequestId: randomUUID(),
      });
      if (tier === "prod")
        for (const approver of approvers) {
          const [r] = await db.select().from(requests).where(eq(requests.id, requestId));
          await decideRequest(db, approver, { requestId, expectedVersion: r!.version, decision: "approved", comment: "" });
        }
      const runId = await startApply(db, requestId);
      if (!runId || (await executeRun(db, runId, runner())) !== "succeeded") throw new Error(`the apply of ${requestId} did not succeed`);
      const [environment] = await db.select().from(environments).where(eq(environments.requestId, requestId));
      ids.push(environment!.id);
    }
    return ids;
  }

  /** The worker's part: every queued update and rollback run of these environments, until none is left. */
  async function drain(environmentIds: string[]) {
    for (;;) {
      const queued = await db
        .select({ id: runs.id })
        .from(runs)
        .where(and(inArray(runs.environmentId, environmentIds), inArray(runs.kind, ["update", "rollback"]), eq(runs.status, "queued")));
      if (!queued.length) return;
      for (const run of queued) await executeRun(db, run.id, runner());
    }
  }

  return { sim, teamId, owner, admin, approvers, twoVersions, fleet, drain };
}
