import { randomUUID } from "node:crypto";
import { eq, sql } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import type { Database } from "~/db/client";
import { auditEvents, teams, users, webhookDeliveries, webhooks } from "~/db/schema";
import { eventTogether } from "~/server/core/events";
import { enqueueCall, jobs } from "~/server/jobs/registry";
import { createTestDatabase } from "~/testing/db";
import { makeTeam, makeUser } from "~/testing/fixtures";
import { sendTogether, StatementRefusedError } from "./together";

let db: Database;
const deliveryKey = (payload: { deliveryId: string }) => jobs.deliverWebhook.key!(payload);
let teamId: string;
let userId: string;

beforeAll(async () => {
  ({ db } = await createTestDatabase());
  userId = (await makeUser(db)).id;
  teamId = (await makeTeam(db, [{ userId, role: "member" }])).id;
});

const auditOf = (subjectId: string) => db.select().from(auditEvents).where(eq(auditEvents.subjectId, subjectId));
const audit = (subjectId: string) =>
  db.insert(auditEvents).values({ actorId: null, actorLabel: "test", action: "test.written", subjectType: "test", subjectId });
const jobsKeyed = async (key: string) =>
  (
    await db.execute(
      sql`select t.identifier as task_identifier, j.payload from graphile_worker._private_jobs j join graphile_worker._private_tasks t on t.id = j.task_id where j.key = ${key}`,
    )
  ).rows as {
    task_identifier: string;
    payload: unknown;
  }[];

describe("writes sent together", () => {
  it("writes every part and runs the calls in one statement", async () => {
    const subject = randomUUID();
    const payload = { deliveryId: randomUUID() };
    await sendTogether(db, { writes: [audit(subject), audit(subject)], calls: [enqueueCall("deliverWebhook", payload)] });
    expect(await auditOf(subject)).toHaveLength(2);
    expect(await jobsKeyed(deliveryKey(payload))).toEqual([{ task_identifier: "deliver_webhook", payload }]);
  });

  it("writes nothing, not even outside a transaction, when a required write changes no row, and names it", async () => {
    const subject = randomUUID();
    const payload = { deliveryId: randomUUID() };
    const refused = sendTogether(db, {
      required: {
        team_renamed: db.update(teams).set({ name: "Renamed" }).where(eq(teams.id, teamId)).returning({ id: teams.id }),
        missing_user_renamed: db.update(users).set({ name: "Nobody" }).where(eq(users.id, randomUUID())).returning({ id: users.id }),
      },
      writes: [audit(subject)],
      calls: [enqueueCall("deliverWebhook", payload)],
    });
    await expect(refused).rejects.toThrow(StatementRefusedError);
    await expect(refused).rejects.toMatchObject({ refusal: "missing_user_renamed" });
    expect(await auditOf(subject)).toHaveLength(0);
    expect((await db.select().from(teams).where(eq(teams.id, teamId)))[0]?.name).not.toBe("Renamed");
    expect(await jobsKeyed(deliveryKey(payload))).toEqual([]);
  });

  it("publishes an event to the team's active subscribed webhooks only, each delivery with its job under the registry's key", async () => {
    const hook = async (events: string[], active = true) =>
      (
        await db
          .insert(webhooks)
          .values({ teamId, url: "https://receiver.example/hook", secretCiphertext: "x", events, active })
          .returning({ id: webhooks.id })
      )[0]!.id;
    const subscribed = await hook(["dev.provisio.run.succeeded", "dev.provisio.run.failed"]);
    await hook(["dev.provisio.run.succeeded"], false);
    await hook(["dev.provisio.run.failed"]);
    const eventId = randomUUID();
    const published = eventTogether(db, {
      type: "run.succeeded",
      teamId,
      subject: "environments/e1",
      data: { name: "e1" },
      eventId,
      notify: { userIds: [userId], kind: "run_succeeded", title: "e1 is ready" },
    });
    await sendTogether(db, published);
    const deliveries = await db.select().from(webhookDeliveries).where(eq(webhookDeliveries.eventId, eventId));
    expect(deliveries.map((d) => [d.webhookId, d.eventType])).toEqual([[subscribed, "dev.provisio.run.succeeded"]]);
    expect(deliveries[0]!.payload).toMatchObject({
      id: eventId,
      type: "dev.provisio.run.succeeded",
      subject: "environments/e1",
      data: { name: "e1" },
    });
    const key = deliveryKey({ deliveryId: deliveries[0]!.id });
    expect(await jobsKeyed(key)).toEqual([{ task_identifier: "deliver_webhook", payload: { deliveryId: deliveries[0]!.id } }]);
    // Published again (a retried outcome): no second delivery, no second job.
    await sendTogether(db, eventTogether(db, { type: "run.succeeded", teamId, subject: "environments/e1", data: { name: "e1" }, eventId }));
    expect(await db.$count(webhookDeliveries, eq(webhookDeliveries.eventId, eventId))).toBe(1);
    expect(await jobsKeyed(key)).toHaveLength(1);
  });
});
