/**
 * A new push to a pull request with a live environment: same parameters → the commit is recorded
 * and nothing else; changed parameters → one update request of that environment (through the
 * update policy), the same push retried → the same update, never a duplicate environment.
 */
import path from "node:path";
import { randomUUID } from "node:crypto";
import { and, eq, sql } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import type { Database } from "~/db/client";
import { environments, requests } from "~/db/schema";
import { quietSimConfig } from "~/server/engines/sim/cloud";
import { createSimEngine } from "~/server/engines/sim/engine";
import { executeRun } from "~/server/runner/execute";
import { startApply } from "~/server/runner/start-apply";
import { syncTemplates } from "~/server/services/template-sync";
import { createTestDatabase } from "~/testing/db";
import { callerFor, makeTeam, makeUser } from "~/testing/fixtures";

let db: Database;
let teamId: string;
let ownerId: string;

beforeAll(async () => {
  ({ db } = await createTestDatabase());
  await syncTemplates(db, path.resolve(import.meta.dirname, "../../templates"));
  ownerId = (await makeUser(db)).id;
  teamId = (await makeTeam(db, [{ userId: ownerId, role: "member" }])).id;
  await db.execute(sql`update teams set monthly_budget_cents = 10000000 where id = ${teamId}`);
});

const push = async (commit: string, instances: number) =>
  (await callerFor(db, ownerId)).requests.submit({
    teamId,
    templateName: "web-service",
    templateVersion: "1.0.0",
    tier: "dev",
    environmentName: "pr-42",
    ttlHours: 24,
    parameters: { service_name: "shop", zones: 2, instances },
    justification: "preview of pull request 42",
    clientRequestId: randomUUID(),
    source: { repository: "acme/shop", pullRequest: 42, commit },
  });

describe("a new push to a pull request with a live environment", () => {
  it("records the commit, and queues one update when the parameters changed", async () => {
    const first = await push("1111111", 2);
    const runId = await startApply(db, first.id);
    const sim = createSimEngine({ db, config: quietSimConfig });
    expect(await executeRun(db, runId!, { workerId: "test", engines: () => sim, retry: { attempts: 2, baseMs: 1, maxMs: 2 } })).toBe("succeeded");

    const same = await push("2222222", 2);
    expect(same).toMatchObject({ id: first.id, reused: true, update: null });

    const changed = await push("3333333", 3);
    expect(changed).toMatchObject({ id: first.id, reused: true, update: { queued: true } });
    const [environment] = await db.select().from(environments).where(eq(environments.requestId, first.id));
    const updates = await db
      .select()
      .from(requests)
      .where(and(eq(requests.kind, "update"), eq(requests.environmentId, environment!.id)));
    expect(updates).toHaveLength(1);
    expect(updates[0]!.justification).toMatch(/^acme\/shop#42 at 3333333: /);

    // The same push retried: the same update back, still one.
    const again = await push("3333333", 3);
    expect(again).toMatchObject({ reused: true, update: { queued: true, requestId: updates[0]!.id } });
    expect(await db.$count(requests, and(eq(requests.kind, "update"), eq(requests.environmentId, environment!.id)))).toBe(1);
    expect(await db.$count(environments, eq(environments.teamId, teamId))).toBe(1);
  });
});
