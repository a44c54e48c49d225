import { randomUUID } from "node:crypto";
import { and, eq } from "drizzle-orm";
import type { JobHelpers } from "graphile-worker";
import { beforeAll, describe, expect, it } from "vitest";
import type { Database } from "~/db/client";
import { auditEvents, environmentResources, environments } from "~/db/schema";
import { quietSimConfig } from "~/server/engines/sim/cloud";
import { createSimEngine, type SimEngine } from "~/server/engines/sim/engine";
import { sweepOrphansTask } from "~/server/worker/tasks/sweep-orphans";
import { createTestDatabase } from "~/testing/db";
import { callerFor, makeTeam, makeUser } from "~/testing/fixtures";
import { templateYaml, uniqueTemplateName } from "~/testing/templates";
import { DEFAULT_ORPHAN_GRACE_MS, findOrphans, scanForOrphans, sweepOrphans } from "./orphans";
import { executeRun } from "./execute";
import { startApply } from "./start-apply";

let db: Database;
let engine: SimEngine;
let teamId: string;
let templateName: string;
let dev: Awaited<ReturnType<typeof callerFor>>;

beforeAll(async () => {
  ({ db } = await createTestDatabase());
  engine = createSimEngine({ db, config: quietSimConfig });
  const admin = await callerFor(db, (await makeUser(db, { globalRole: "admin" })).id);
  templateName = uniqueTemplateName("orphans");
  const draft = await admin.templateAdmin.createDraft({ yaml: templateYaml(templateName) });
  await admin.templateAdmin.publish({ versionId: draft.versionId, expectedLockVersion: draft.lockVersion });
  const user = await makeUser(db);
  teamId = (await makeTeam(db, [{ userId: user.id, role: "member" }])).id;
  dev = await callerFor(db, user.id);
});

/** A ready environment (network, subnet, box) made by the runner, so its resources are tracked. */
async function readyEnvironment() {
  const { id: requestId } = await dev.requests.submit({
    teamId,
    templateName,
    tier: "dev",
    environmentName: `orphans-${randomUUID().slice(0, 6)}`,
    ttlHours: 24,
    parameters: {},
    justification: "Orphan sweep test environment",
    clientRequestId: randomUUID(),
  });
  const runId = await startApply(db, requestId);
  expect(await executeRun(db, runId!, { workerId: "orphans-test", engines: () => engine })).toBe("succeeded");
  const [environment] = await db.select().from(environments).where(eq(environments.requestId, requestId));
  const rows = await db.select().from(environmentResources).where(eq(environmentResources.environmentId, environment!.id));
  return { environment: environment!, rows };
}

const ourTags = (environmentId: string) => ({
  "managed-by": "provisio",
  "environment-id": environmentId,
  team: "payments",
  owner: "dev@provisio.local",
});

/** A network made straight in the cloud, behind the portal's back. */
async function strayNetwork(tags: Record<string, string>, idempotencyKey?: string) {
  const { resource } = await engine.cloud.create({ type: "network", properties: { region: "eu-west-1", cidr: "10.9.0.0/16" }, tags, idempotencyKey });
  return resource;
}

describe("finding orphans", () => {
  it("finds what carries our tags but no live record, and leaves tracked and foreign resources alone", async () => {
    const { environment, rows } = await readyEnvironment();
    const untracked = await strayNetwork(ourTags(environment.id), `${environment.id}/stray`);
    const unknownEnvironment = await strayNetwork(ourTags(randomUUID()));
    const garbledEnvironment = await strayNetwork(ourTags("(assigned on submit)"));
    const foreign = await strayNetwork({ team: "payments" });
    const noEnvironmentTag = await strayNetwork({ "managed-by": "provisio" });

    // A resource whose create answer was lost is tracked by its key alone (no provider id yet).
    const box = rows.find((r) => r.address === "box")!;
    await db.update(environmentResources).set({ providerId: null, status: "creating" }).where(eq(environmentResources.id, box.id));
    // A record marked deleted while the cloud still has the resource does not track it.
    const subnet = rows.find((r) => r.address === "subnet")!;
    await db.update(environmentResources).set({ status: "deleted", deletedAt: new Date() }).where(eq(environmentResources.id, subnet.id));

    const orphans = await findOrphans(db, engine.cloud, { graceMs: 0 });
    const byId = new Map(orphans.map((o) => [o.providerId, o]));
    expect(byId.get(untracked.id)).toMatchObject({
      type: "network",
      region: "eu-west-1",
      environmentId: environment.id,
      teamId,
      reason: "untracked",
      idempotencyKey: `${environment.id}/stray`,
    });
    expect(byId.get(unknownEnvironment.id)).toMatchObject({ reason: "unknown-environment", teamId: null });
    expect(byId.get(garbledEnvironment.id)).toMatchObject({ reason: "unknown-environment", environmentId: "(assigned on submit)" });
    expect(byId.get(subnet.providerId!)).toMatchObject({ type: "subnet", reason: "record-deleted", teamId });
    for (const id of [foreign.id, noEnvironmentTag.id, box.providerId!, rows.find((r) => r.address === "net")!.providerId!])
      expect(byId.has(id), id).toBe(false);

    // Put the records back as they were: the environment tracks everything again.
    await db.update(environmentResources).set({ providerId: box.providerId, status: "ready" }).where(eq(environmentResources.id, box.id));
    await db.update(environmentResources).set({ status: "ready", deletedAt: null }).where(eq(environmentResources.id, subnet.id));
    expect((await findOrphans(db, engine.cloud, { graceMs: 0 })).filter((o) => o.environmentId === environment.id).map((o) => o.providerId)).toEqual([
      untracked.id,
    ]);
    await sweepOrphans(db, engine.cloud, { remove: true, graceMs: 0 });
  });

  it("skips resources younger than the grace period: an apply may be recording them", async () => {
    const young = await strayNetwork(ourTags(randomUUID()));
    const scan = await scanForOrphans(db, engine.cloud);
    expect(scan.orphans.map((o) => o.providerId)).not.toContain(young.id);
    expect(scan.tooYoung).toBeGreaterThanOrEqual(1);
    expect((await findOrphans(db, engine.cloud, { graceMs: 60_000 })).map((o) => o.providerId)).not.toContain(young.id);
    // Eleven minutes on, under the default ten-minute grace, it is an orphan.
    const later = new Date(young.createdAt.getTime() + DEFAULT_ORPHAN_GRACE_MS + 60_000);
    expect((await findOrphans(db, engine.cloud, { now: later })).map((o) => o.providerId)).toContain(young.id);
    // Report mode never deletes.
    const report = await sweepOrphans(db, engine.cloud, { remove: false, now: later });
    expect(report).toMatchObject({ mode: "report", removed: [], failed: [] });
    expect(report.orphans.map((o) => o.providerId)).toContain(young.id);
    expect((await engine.cloud.get(young.id)).state).toBe("available");
    await sweepOrphans(db, engine.cloud, { remove: true, now: later });
  });
});

describe("removing orphans", () => {
  it("deletes them from the cloud (dependents first), audits each removal, and never touches tracked resources", async () => {
    const { environment, rows } = await readyEnvironment();
    const strayInKnown = await strayNetwork(ourTags(environment.id), `${environment.id}/stray`);
    const lostEnvironment = randomUUID();
    const strayNet = await strayNetwork(ourTags(lostEnvironment));
    // A subnet uses the stray network: the network can only go once the subnet is gone.
    const { resource: straySubnet } = await engine.cloud.create({
      type: "subnet",
      properties: { region: "eu-west-1", network: strayNet.id, cidr: "10.9.1.0/24" },
      tags: ourTags(lostEnvironment),
    });

    const report = await sweepOrphans(db, engine.cloud, { remove: true, graceMs: 0 });
    expect(report.mode).toBe("remove");
    expect(report.failed).toEqual([]);
    expect([...report.removed].sort()).toEqual([strayInKnown.id, strayNet.id, straySubnet.id].sort());
    for (const id of report.removed) expect((await engine.cloud.get(id)).state).toBe("deleted");
    // What the environment tracks is all still there.
    const live = await engine.cloud.inventory({ tags: { "environment-id": environment.id } });
    expect(new Set(live.map((r) => r.id))).toEqual(new Set(rows.map((r) => r.providerId)));

    const audits = await db.select().from(auditEvents).where(eq(auditEvents.action, "resource.orphan_removed"));
    const known = audits.find((a) => a.subjectId === strayInKnown.id);
    expect(known).toMatchObject({ actorId: null, actorLabel: "system", subjectType: "resource", teamId, correlationId: environment.id });
    expect(known?.before).toMatchObject({
      type: "network",
      environmentId: environment.id,
      reason: "untracked",
      idempotencyKey: `${environment.id}/stray`,
    });
    expect(audits.find((a) => a.subjectId === straySubnet.id)).toMatchObject({
      teamId: null,
      correlationId: lostEnvironment,
      before: expect.objectContaining({ reason: "unknown-environment", type: "subnet" }),
    });

    // Nothing left to find.
    expect(await findOrphans(db, engine.cloud, { graceMs: 0 })).toEqual([]);
    expect((await sweepOrphans(db, engine.cloud, { remove: true, graceMs: 0 })).removed).toEqual([]);
  });

  it("reports a removal the cloud refuses, and the next sweep removes it", async () => {
    const stray = await strayNetwork(ourTags(randomUUID()));
    await engine.cloud.configure({ faults: { regionOutages: ["eu-west-1"] } });
    try {
      const refused = await sweepOrphans(db, engine.cloud, { remove: true, graceMs: 0 });
      expect(refused.removed).toEqual([]);
      expect(refused.failed).toEqual([{ providerId: stray.id, error: expect.stringContaining("region eu-west-1 is unavailable") }]);
    } finally {
      await engine.cloud.resetConfig();
    }
    const again = await sweepOrphans(db, engine.cloud, { remove: true, graceMs: 0 });
    expect(again).toMatchObject({ removed: [stray.id], failed: [] });
  });
});

describe("the sweep_orphans worker task", () => {
  function helpers() {
    const lines: string[] = [];
    const logger = {
      info: (m: string) => lines.push(m),
      warn: (m: string) => lines.push(m),
      error: (m: string) => lines.push(m),
      debug: () => undefined,
    };
    return { helpers: { logger } as unknown as JobHelpers, lines };
  }

  it("reports by default and removes in remove mode", async () => {
    const stray = await strayNetwork(ourTags(randomUUID()));
    const reporting = helpers();
    await sweepOrphansTask(db, { mode: "report", graceMs: 0, cloud: engine.cloud })({}, reporting.helpers);
    expect(reporting.lines).toEqual([
      expect.stringMatching(
        /^orphan sweep \(report\): 1 orphaned of \d+ tagged resources \(0 too young to judge\); set PROVISIO_ORPHAN_SWEEP=remove to delete them$/,
      ),
    ]);
    expect((await engine.cloud.get(stray.id)).state).toBe("available");

    const removing = helpers();
    await sweepOrphansTask(db, { mode: "remove", graceMs: 0, cloud: engine.cloud })({}, removing.helpers);
    expect(removing.lines).toEqual([
      expect.stringMatching(/^orphan sweep \(remove\): 1 orphaned of \d+ tagged resources \(0 too young to judge\); removed 1$/),
    ]);
    expect((await engine.cloud.get(stray.id)).state).toBe("deleted");
    const [audit] = await db
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.action, "resource.orphan_removed"), eq(auditEvents.subjectId, stray.id)));
    expect(audit).toBeDefined();
  });
});
