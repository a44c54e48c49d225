/** In-portal fast-burn alerts: notify admins and subscribed webhooks once when a burn starts, again only after it stopped. */
import { eq, sql } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import type { Database } from "~/db/client";
import { notifications, sloBurnAlerts, webhookDeliveries, webhooks } from "~/db/schema";
import { createTestDatabase } from "~/testing/db";
import { makeTeam, makeUser } from "~/testing/fixtures";
import { seedProvision, seedTemplate } from "~/testing/slo-seed";
import { uniqueTemplateName } from "~/testing/templates";
import { evaluateBurnAlerts } from "./burn-alerts";

let db: Database;
let admin: string;
let webhookId: string;
const NOW = new Date("2026-04-01T12:00:00Z");
const minutesBefore = (m: number, base = NOW) => new Date(base.getTime() - m * 60_000);

beforeAll(async () => {
  ({ db } = await createTestDatabase());
  admin = (await makeUser(db, { globalRole: "admin" })).id;
  const user = (await makeUser(db)).id;
  const team = (await makeTeam(db)).id;
  const [hook] = await db
    .insert(webhooks)
    .values({ teamId: team, url: "https://hooks.example.test/slo", secretCiphertext: "x", events: ["dev.provisio.slo.burn_rate_high"] })
    .returning();
  webhookId = hook!.id;
  await db
    .insert(webhooks)
    .values({ teamId: team, url: "https://hooks.example.test/other", secretCiphertext: "x", events: ["dev.provisio.run.failed"] });
  const tpl = await seedTemplate(db, uniqueTemplateName("burn"));
  // Half of the apply runs of the last hour failed, the latest 1 minute before NOW: 50× the 1 % budget.
  for (let i = 0; i < 6; i++) {
    const finished = minutesBefore(1 + i * 8);
    await seedProvision(db, {
      teamId: team,
      userId: user,
      template: tpl,
      submittedAt: minutesBefore(1, finished),
      readyAt: i % 2 === 0 ? undefined : finished,
      runs: [{ status: i % 2 === 0 ? "failed" : "succeeded", failureCause: "outage", startedAt: minutesBefore(1, finished), finishedAt: finished }],
    });
  }
});

const count = async (table: typeof notifications | typeof webhookDeliveries, where: ReturnType<typeof eq>) =>
  Number(
    (
      await db
        .select({ n: sql<number>`count(*)::int` })
        .from(table)
        .where(where)
    )[0]!.n,
  );

describe("evaluateBurnAlerts", () => {
  it("alerts once when a fast burn starts, stays quiet while it burns, closes it when it stops", async () => {
    expect(await evaluateBurnAlerts(db, NOW)).toEqual({ started: ["success"], stopped: [], ongoing: [] });
    expect(await count(notifications, eq(notifications.userId, admin))).toBe(1);
    const [note] = await db.select().from(notifications).where(eq(notifications.userId, admin));
    expect(note).toMatchObject({ kind: "slo_burn_rate_high", link: "/slo/oncall", title: expect.stringMatching(/burning its error budget fast/) });
    const deliveries = await db.select().from(webhookDeliveries);
    expect(deliveries.map((d) => [d.webhookId, d.eventType])).toEqual([[webhookId, "dev.provisio.slo.burn_rate_high"]]);
    expect(deliveries[0]!.payload).toMatchObject({ data: { slo: "success", runbook: "docs/runbooks/slo-fast-burn.md" } });

    // A minute later it still burns: deduplicated.
    expect(await evaluateBurnAlerts(db, minutesBefore(-1))).toEqual({ started: [], stopped: [], ongoing: ["success"] });
    expect(await count(notifications, eq(notifications.userId, admin))).toBe(1);

    // Ten minutes later nothing failed in the last 5 minutes: the burn stopped.
    expect(await evaluateBurnAlerts(db, minutesBefore(-10))).toEqual({ started: [], stopped: ["success"], ongoing: [] });
    const rows = await db.select().from(sloBurnAlerts);
    expect(rows).toHaveLength(1);
    expect(rows[0]!.endedAt).not.toBeNull();

    // A new failure starts a new burn: a second alert.
    expect((await evaluateBurnAlerts(db, minutesBefore(-0.5, minutesBefore(-1)))).started).toEqual(["success"]);
    expect(await count(notifications, eq(notifications.userId, admin))).toBe(2);
  });
});
