/**
 * The provision_request job's path: the environment, its apply run already claimed by the
 * worker, the request moved on and the audit event, in one statement; then the run executes.
 * Idempotent under retries and concurrent jobs; nothing for a request that is not queued.
 */
import { randomUUID } from "node:crypto";
import path from "node:path";
import { and, eq, sql } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { connect, type Database } from "~/db/client";
import { auditEvents, environments, requests, runs } from "~/db/schema";
import { quietSimConfig } from "~/server/engines/sim/cloud";
import { createSimEngine, type SimEngine } from "~/server/engines/sim/engine";
import { syncTemplates } from "~/server/services/template-sync";
import { createTestDatabase } from "~/testing/db";
import { callerFor, makeTeam, makeUser } from "~/testing/fixtures";
import { provisionRequest } from "./start-apply";

let db: Database;
let url: string;
let sim: SimEngine;
let teamId: string;
let dev: Awaited<ReturnType<typeof callerFor>>;

beforeAll(async () => {
  ({ db, url } = await createTestDatabase());
  await syncTemplates(db, path.resolve(import.meta.dirname, "../../templates"));
  sim = createSimEngine({ db, config: quietSimConfig });
  const user = await makeUser(db);
  teamId = (await makeTeam(db, [{ userId: user.id, role: "member" }])).id;
  dev = await callerFor(db, user.id);
});

const submit = (tier: "dev" | "staging" = "dev") =>
  dev.requests.submit({
    teamId,
    templateName: "bastion-host",
    tier,
    environmentName: `open-${randomUUID().slice(0, 6)}`,
    ttlHours: 24,
    parameters: {},
    justification: "Opening applies",
    clientRequestId: randomUUID(),
  });
const options = (workerId = "open-worker") => ({ workerId, engines: () => sim });

describe("provisionRequest", () => {
  it("opens the apply claimed by this worker, with no queued job, and executes it", async () => {
    const { id: requestId } = await submit();
    const started = await provisionRequest(db, requestId, options());
    expect(started?.outcome).toBe("succeeded");
    const [run] = await db.select().from(runs).where(eq(runs.id, started!.runId));
    expect(run).toMatchObject({ kind: "apply", status: "succeeded", workerId: "open-worker", attempts: 1 });
    const [environment] = await db.select().from(environments).where(eq(environments.requestId, requestId));
    expect(environment).toMatchObject({ id: run!.environmentId, status: "ready", teamId, engine: "sim", onFailure: "cleanup" });
    const [request] = await db.select().from(requests).where(eq(requests.id, requestId));
    expect(request?.status).toBe("ready");
    const audit = await db
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.subjectId, environment!.id), eq(auditEvents.action, "environment.provisioning")));
    expect(audit).toMatchObject([{ actorId: null, actorLabel: "system", teamId, correlationId: requestId, after: { runId: run!.id } }]);
    const jobs = await db.execute<{ n: number }>(sql`select count(*)::int as n from graphile_worker.jobs where key = ${`resume:${run!.id}`}`);
    expect(jobs.rows[0]?.n).toBe(0);
    // The job retried: nothing more to do.
    expect(await provisionRequest(db, requestId, options())).toBeNull();
  });

  it("opens one environment when two jobs race, and does nothing for a request that is not queued", async () => {
    const { id: requestId } = await submit();
    const [a, b] = await Promise.all([provisionRequest(db, requestId, options("racer-a")), provisionRequest(db, requestId, options("racer-b"))]);
    const outcomes = [a?.outcome, b?.outcome].filter(Boolean);
    expect(outcomes).toContain("succeeded");
    expect(outcomes.filter((o) => o === "succeeded")).toHaveLength(1);
    expect(await db.$count(environments, eq(environments.requestId, requestId))).toBe(1);

    const { id: pending, status } = await submit("staging");
    expect(status).toBe("pending_approval");
    expect(await provisionRequest(db, pending, options())).toBeNull();
    expect(await db.$count(environments, eq(environments.requestId, pending))).toBe(0);
    const [request] = await db.select().from(requests).where(eq(requests.id, pending));
    expect(request?.status).toBe("pending_approval");
  });

  it("leaves a connection's synchronous_commit as it was after the open (the open's own setting)", async () => {
    // One connection (its own pool): the statement's set_config must end with its transaction.
    const { db: single } = connect(`${url}?application_name=open-single`, 1);
    // The test cluster runs with synchronous_commit off (testing/global-setup.ts): the session says on, as a real server would.
    await single.execute(sql`set synchronous_commit = on`);
    const { id: requestId } = await submit();
    const started = await provisionRequest(single, requestId, options());
    expect(started?.outcome).toBe("succeeded");
    const setting = await single.execute<{ synchronous_commit: string }>(sql`show synchronous_commit`);
    expect(setting.rows[0]?.synchronous_commit).toBe("on");
  });
});
