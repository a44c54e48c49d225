import { TRPCError } from "@trpc/server";
import { eq, sql } from "drizzle-orm";
import { Logger, run, type JobHelpers } from "graphile-worker";
import { randomUUID } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import type pg from "pg";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { ZodError } from "zod";
import type { Database } from "~/db/client";
import { auditEvents, webhookDeliveries, webhooks } from "~/db/schema";
import { deliverWebhookTask } from "~/server/worker/tasks/deliver-webhook";
import { createTestDatabase } from "~/testing/db";
import { callerFor, makeTeam, makeUser } from "~/testing/fixtures";
import { templateYaml, uniqueTemplateName } from "~/testing/templates";
import { ServiceError } from "~/server/core/errors";
import { publishEvent, type ProvisioEvent } from "~/server/core/events";
import { attemptDelivery } from "./webhook-delivery";
import { DELIVERY_MAX_ATTEMPTS } from "~/server/core/webhook-outbox";
import { verifySignature } from "./webhooks";

type Caller = Awaited<ReturnType<typeof callerFor>>;
type Received = { headers: http.IncomingHttpHeaders; body: string; path: string };

/** A real HTTP receiver on a free local port; each test scripts its answers. */
class Receiver {
  received: Received[] = [];
  answers: (number | "hang")[] = [];
  private server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      this.received.push({ headers: req.headers, body: Buffer.concat(chunks).toString("utf8"), path: req.url ?? "" });
      const answer = this.answers.shift() ?? 200;
      if (answer === "hang") return; // never answers: the sender's timeout must fire
      res.writeHead(answer, { "content-type": "text/plain" }).end(answer >= 400 ? `nope ${answer}` : "ok");
    });
  });
  url = "";
  async start() {
    await new Promise<void>((resolve) => this.server.listen(0, "127.0.0.1", resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }
  async stop() {
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }
  reset() {
    this.received = [];
    this.answers = [];
  }
}

let db: Database;
let pool: pg.Pool;
let teamId: string;
let otherTeamId: string;
const receiver = new Receiver();
const people = {} as Record<"member" | "approver" | "admin" | "auditor" | "outsider", { id: string; api: Caller }>;

beforeAll(async () => {
  ({ db, pool } = await createTestDatabase());
  for (const key of ["member", "approver", "admin", "auditor", "outsider"] as const) {
    const globalRole = key === "admin" ? "admin" : key === "auditor" ? "auditor" : null;
    const user = await makeUser(db, { globalRole, name: key });
    people[key] = { id: user.id, api: null as unknown as Caller };
  }
  teamId = (
    await makeTeam(db, [
      { userId: people.member.id, role: "member" },
      { userId: people.approver.id, role: "approver" },
    ])
  ).id;
  otherTeamId = (await makeTeam(db, [{ userId: people.outsider.id, role: "approver" }])).id;
  for (const key of Object.keys(people) as (keyof typeof people)[]) people[key].api = await callerFor(db, people[key].id);
  await receiver.start();
});

afterAll(async () => {
  await receiver.stop();
});

beforeEach(async () => {
  receiver.reset();
  // Each test starts with no webhooks, deliveries or queued jobs.
  await db.delete(webhooks);
  await db.execute(sql`delete from graphile_worker._private_jobs`);
});

/** The input fields an error names: zod issues' paths, or a service error's field. */
function fieldsOf(error: TRPCError): string[] {
  const cause = error.cause;
  if (cause instanceof ZodError) return cause.issues.map((i) => i.path.join("."));
  if (cause instanceof ServiceError) return [cause.field ?? ""];
  return [];
}

function messagesOf(error: TRPCError): string {
  const cause = error.cause;
  return cause instanceof ZodError ? cause.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ") : error.message;
}

async function failure(promise: Promise<unknown>): Promise<TRPCError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(TRPCError);
  return error as TRPCError;
}

const event = (overrides: Partial<ProvisioEvent> = {}): ProvisioEvent => ({
  type: "request.approved",
  teamId,
  subject: "requests/1234",
  data: { requestId: "1234", environmentName: "demo", status: "queued" },
  ...overrides,
});

async function publish(e: ProvisioEvent) {
  await db.transaction((tx) => publishEvent(tx, e));
}

async function createHook(events = ["dev.provisio.request.approved"], path = "/hook") {
  return people.approver.api.webhooks.create({ teamId, url: `${receiver.url}${path}`, events: events as ["dev.provisio.request.approved"] });
}

async function deliveriesOf(webhookId: string) {
  return db.select().from(webhookDeliveries).where(eq(webhookDeliveries.webhookId, webhookId));
}

async function queuedJobs(): Promise<{ key: string; payload: { deliveryId: string }; max_attempts: number }[]> {
  const result = await db.execute(
    sql`select j.key, j.payload, j.max_attempts from graphile_worker._private_jobs j join graphile_worker._private_tasks t on t.id = j.task_id where t.identifier = 'deliver_webhook' order by j.id`,
  );
  return result.rows as { key: string; payload: { deliveryId: string }; max_attempts: number }[];
}

function helpers(attempt: number, maxAttempts = DELIVERY_MAX_ATTEMPTS): JobHelpers {
  const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined, debug: () => undefined };
  return { job: { attempts: attempt, max_attempts: maxAttempts }, logger: quiet } as unknown as JobHelpers;
}

describe("managing webhooks", () => {
  it("shows the secret once, on creation; lists show a masked hint only", async () => {
    const created = await createHook();
    expect(created.secret).toMatch(/^whsec_[\w-]{43}$/);
    expect(created.webhook.secretHint).toBe(`…${created.secret.slice(-4)}`);
    const stored = await db.query.webhooks.findFirst({ where: eq(webhooks.id, created.webhook.id) });
    expect(stored?.secretCiphertext).not.toContain(created.secret);

    for (const api of [people.approver.api, people.admin.api, people.auditor.api]) {
      const list = await api.webhooks.list({ teamId });
      expect(list).toHaveLength(1);
      expect(JSON.stringify(list)).not.toContain(created.secret);
      expect(list[0]).toMatchObject({ url: `${receiver.url}/hook`, events: ["dev.provisio.request.approved"], active: true, secretReadable: true });
    }
    const audit = await db.select().from(auditEvents).where(eq(auditEvents.subjectId, created.webhook.id));
    expect(audit.map((a) => a.action)).toEqual(["webhook.created"]);
    expect(JSON.stringify(audit)).not.toContain(created.secret);
  });

  it("accepts a caller's secret of at least 24 characters, and refuses a shorter one naming the field", async () => {
    const error = await failure(
      people.approver.api.webhooks.create({ teamId, url: `${receiver.url}/x`, events: ["dev.provisio.request.approved"], secret: "short" }),
    );
    expect(error.code).toBe("BAD_REQUEST");
    expect(fieldsOf(error)).toEqual(["secret"]);
    expect(messagesOf(error)).toMatch(/secret: at least 24 characters/);
    const created = await people.approver.api.webhooks.create({
      teamId,
      url: `${receiver.url}/x`,
      events: ["dev.provisio.request.approved"],
      secret: "a-long-enough-shared-secret-123",
    });
    expect(created.secret).toBe("a-long-enough-shared-secret-123");
  });

  it("refuses bad URLs with an error naming `url`, and creates nothing", async () => {
    const bad = [
      ["ftp://example.com/hook", /url: must be an http\(s\):\/\/ URL/],
      ["http://hooks.example.com/hook", /url: must use https/],
      ["http://169.254.169.254/latest/meta-data", /url: points at a link-local, metadata or reserved address/],
      ["https://user:pw@hooks.example.com/", /url: must not contain a user name or password/],
    ] as const;
    for (const [url, message] of bad) {
      const error = await failure(people.approver.api.webhooks.create({ teamId, url, events: ["dev.provisio.request.approved"] }));
      expect(error.code).toBe("BAD_REQUEST");
      expect(fieldsOf(error)).toEqual(["url"]);
      expect(messagesOf(error)).toMatch(message);
    }
    const noEvents = await failure(
      people.approver.api.webhooks.create({ teamId, url: "https://hooks.example.com/", events: [] as unknown as ["dev.provisio.request.approved"] }),
    );
    expect(messagesOf(noEvents)).toMatch(/events: choose at least one event/);
    const unknown = await failure(
      people.approver.api.webhooks.create({
        teamId,
        url: "https://hooks.example.com/",
        events: ["dev.provisio.nope"] as unknown as ["dev.provisio.request.approved"],
      }),
    );
    expect(messagesOf(unknown)).toMatch(/events\.0: is not an event Provisio sends/);
    expect(await db.select().from(webhooks)).toHaveLength(0);
  });

  it("refuses members, approvers of other teams and auditors' changes; admins manage any team", async () => {
    const created = await createHook();
    expect((await failure(people.member.api.webhooks.list({ teamId }))).code).toBe("FORBIDDEN");
    expect(
      (await failure(people.member.api.webhooks.create({ teamId, url: "https://hooks.example.com/", events: ["dev.provisio.request.approved"] })))
        .code,
    ).toBe("FORBIDDEN");
    // Another team's approver: the team does not exist for them, like an unknown id.
    expect((await failure(people.outsider.api.webhooks.list({ teamId }))).code).toBe("NOT_FOUND");
    expect((await failure(people.auditor.api.webhooks.rotateSecret({ teamId, webhookId: created.webhook.id }))).message).toMatch(/read-only/);
    // A webhook id of this team named through another team the caller approves: not found.
    expect((await failure(people.outsider.api.webhooks.deliveries({ teamId: otherTeamId, webhookId: created.webhook.id }))).code).toBe("NOT_FOUND");
    expect((await failure(people.outsider.api.webhooks.delete({ teamId: otherTeamId, webhookId: created.webhook.id }))).code).toBe("NOT_FOUND");
    const rotated = await people.admin.api.webhooks.rotateSecret({ teamId, webhookId: created.webhook.id });
    expect(rotated.secret).not.toBe(created.secret);
  });

  it("updates with the version the editor saw, and refuses a stale one", async () => {
    const created = await createHook();
    const updated = await people.approver.api.webhooks.update({
      teamId,
      webhookId: created.webhook.id,
      events: ["dev.provisio.request.rejected", "dev.provisio.request.rejected"],
      expectedVersion: created.webhook.version,
    });
    expect(updated.events).toEqual(["dev.provisio.request.rejected"]);
    const stale = await failure(
      people.approver.api.webhooks.update({ teamId, webhookId: created.webhook.id, active: false, expectedVersion: created.webhook.version }),
    );
    expect(stale.code).toBe("CONFLICT");
    const badUrl = await failure(
      people.approver.api.webhooks.update({ teamId, webhookId: created.webhook.id, url: "http://example.com", expectedVersion: updated.version }),
    );
    expect(fieldsOf(badUrl)).toEqual(["url"]);
    expect((await db.query.webhooks.findFirst({ where: eq(webhooks.id, created.webhook.id) }))?.url).toBe(`${receiver.url}/hook`);
  });
});

describe("publishing events to webhooks", () => {
  it("queues one delivery and one job per subscribed active webhook of the team, in the caller's transaction", async () => {
    const subscribed = await createHook(["dev.provisio.request.approved", "dev.provisio.request.rejected"]);
    const unsubscribed = await createHook(["dev.provisio.request.submitted"]);
    const paused = await createHook(["dev.provisio.request.approved"]);
    await people.approver.api.webhooks.update({ teamId, webhookId: paused.webhook.id, active: false, expectedVersion: paused.webhook.version });
    const otherTeam = await people.outsider.api.webhooks.create({
      teamId: otherTeamId,
      url: `${receiver.url}/other`,
      events: ["dev.provisio.request.approved"],
    });

    const eventId = randomUUID();
    await publish(event({ eventId }));
    const rows = await deliveriesOf(subscribed.webhook.id);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ eventId, eventType: "dev.provisio.request.approved", status: "pending", attempts: 0 });
    expect(rows[0]?.payload).toMatchObject({
      specversion: "1.0",
      id: eventId,
      source: `/provisio/teams/${teamId}`,
      type: "dev.provisio.request.approved",
      subject: "requests/1234",
      datacontenttype: "application/json",
      data: { requestId: "1234", environmentName: "demo", status: "queued" },
    });
    for (const other of [unsubscribed, paused, otherTeam]) expect(await deliveriesOf(other.webhook.id)).toHaveLength(0);
    expect(await queuedJobs()).toEqual([
      { key: `deliver_webhook:${rows[0]!.id}`, payload: { deliveryId: rows[0]!.id }, max_attempts: DELIVERY_MAX_ATTEMPTS },
    ]);

    // The same event published again (a retried transition) adds nothing.
    await publish(event({ eventId }));
    expect(await deliveriesOf(subscribed.webhook.id)).toHaveLength(1);
    expect(await queuedJobs()).toHaveLength(1);
  });

  it("leaves nothing behind when the change's transaction rolls back", async () => {
    const hook = await createHook();
    await expect(
      db.transaction(async (tx) => {
        await publishEvent(tx, event());
        throw new Error("the change failed");
      }),
    ).rejects.toThrow("the change failed");
    expect(await deliveriesOf(hook.webhook.id)).toHaveLength(0);
    expect(await queuedJobs()).toHaveLength(0);
  });
});

describe("delivering", () => {
  async function publishOne(hookEvents?: string[]) {
    const hook = await createHook(hookEvents);
    await publish(event());
    const [delivery] = await deliveriesOf(hook.webhook.id);
    if (!delivery) throw new Error("no delivery");
    return { hook, delivery };
  }

  it("POSTs a signed CloudEvent that verifies with the secret", async () => {
    const { hook, delivery } = await publishOne();
    await deliverWebhookTask(db)({ deliveryId: delivery.id }, helpers(1));
    expect(receiver.received).toHaveLength(1);
    const { headers, body, path } = receiver.received[0]!;
    expect(path).toBe("/hook");
    expect(headers["content-type"]).toBe("application/cloudevents+json; charset=utf-8");
    expect(headers["ce-id"]).toBe(delivery.eventId);
    expect(headers["ce-type"]).toBe("dev.provisio.request.approved");
    expect(headers["ce-specversion"]).toBe("1.0");
    expect(headers["webhook-id"]).toBe(delivery.eventId);
    expect(JSON.parse(body)).toEqual({
      specversion: "1.0",
      id: delivery.eventId,
      source: `/provisio/teams/${teamId}`,
      type: "dev.provisio.request.approved",
      subject: "requests/1234",
      time: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      datacontenttype: "application/json",
      data: { requestId: "1234", environmentName: "demo", status: "queued" },
    });
    expect(Object.keys(JSON.parse(body) as object)[0]).toBe("specversion");
    const signature = { signature: headers["x-provisio-signature"] as string, timestamp: headers["x-provisio-timestamp"] as string };
    expect(signature.signature).toMatch(/^sha256=[0-9a-f]{64}$/);
    expect(verifySignature(hook.secret, signature, body)).toBe(true);
    expect(verifySignature("whsec_not-the-secret", signature, body)).toBe(false);
    expect(verifySignature(hook.secret, signature, `${body} `)).toBe(false);
    expect(verifySignature(hook.secret, signature, body, Number(signature.timestamp) + 600)).toBe(false); // too old: a replay
    expect(JSON.stringify(headers)).not.toContain(hook.secret);

    const [after] = await deliveriesOf(hook.webhook.id);
    expect(after).toMatchObject({ status: "succeeded", attempts: 1, lastStatusCode: 200, lastError: null });
    expect(after?.deliveredAt).toBeInstanceOf(Date);

    // A second job for the same delivery sends nothing.
    await deliverWebhookTask(db)({ deliveryId: delivery.id }, helpers(1));
    expect(receiver.received).toHaveLength(1);
  });

  it("retries after a 500 (the task throws for graphile-worker's backoff), then succeeds", async () => {
    const { hook, delivery } = await publishOne();
    receiver.answers = [500, 200];
    const task = deliverWebhookTask(db);
    await expect(task({ deliveryId: delivery.id }, helpers(1))).rejects.toThrow(/will be retried .*HTTP 500 Internal Server Error: nope 500/);
    expect((await deliveriesOf(hook.webhook.id))[0]).toMatchObject({ status: "pending", attempts: 1, lastStatusCode: 500 });
    await task({ deliveryId: delivery.id }, helpers(2));
    expect((await deliveriesOf(hook.webhook.id))[0]).toMatchObject({ status: "succeeded", attempts: 2, lastStatusCode: 200, lastError: null });
    expect(receiver.received).toHaveLength(2);
    expect(receiver.received[0]!.headers["ce-id"]).toBe(receiver.received[1]!.headers["ce-id"]);
    const stored = JSON.stringify(await deliveriesOf(hook.webhook.id));
    expect(stored).not.toContain(hook.secret);
  });

  it("gives up after the last attempt, and at once on a 4xx other than 408/429", async () => {
    const { hook, delivery } = await publishOne();
    receiver.answers = [503];
    await deliverWebhookTask(db)({ deliveryId: delivery.id }, helpers(DELIVERY_MAX_ATTEMPTS));
    expect((await deliveriesOf(hook.webhook.id))[0]).toMatchObject({
      status: "failed",
      lastStatusCode: 503,
      lastError: expect.stringMatching(/gave up after 8 attempts/),
    });

    await db.delete(webhooks);
    const second = await publishOne();
    receiver.answers = [410];
    await deliverWebhookTask(db)({ deliveryId: second.delivery.id }, helpers(1));
    expect((await deliveriesOf(second.hook.webhook.id))[0]).toMatchObject({ status: "failed", attempts: 1, lastStatusCode: 410 });

    await db.delete(webhooks);
    const third = await publishOne();
    receiver.answers = [429];
    await expect(deliverWebhookTask(db)({ deliveryId: third.delivery.id }, helpers(1))).rejects.toThrow(/HTTP 429/);
  });

  it("times out a receiver that does not answer, and records a refused connection, for a retry", async () => {
    const { hook, delivery } = await publishOne();
    receiver.answers = ["hang"];
    const outcome = await attemptDelivery(db, delivery.id, { attempt: 1, maxAttempts: 8, timeoutMs: 300 });
    expect(outcome).toMatchObject({ outcome: "retry", statusCode: null, error: "no answer within 0.3 s" });

    await db.update(webhooks).set({ url: "http://127.0.0.1:9/closed" }).where(eq(webhooks.id, hook.webhook.id));
    const refused = await attemptDelivery(db, delivery.id, { attempt: 2, maxAttempts: 8 });
    expect(refused).toMatchObject({ outcome: "retry", error: expect.stringMatching(/connection refused/) });
    expect((await deliveriesOf(hook.webhook.id))[0]).toMatchObject({ status: "pending", attempts: 2 });
  });

  it("does not send to a paused webhook, or to a target the rules refuse on this install", async () => {
    const { hook, delivery } = await publishOne();
    await db.update(webhooks).set({ active: false }).where(eq(webhooks.id, hook.webhook.id));
    expect(await attemptDelivery(db, delivery.id, { attempt: 1, maxAttempts: 8 })).toMatchObject({
      outcome: "failed",
      error: "Not sent: the webhook is paused.",
    });

    await db.update(webhooks).set({ active: true }).where(eq(webhooks.id, hook.webhook.id));
    const strict = await attemptDelivery(db, delivery.id, { attempt: 1, maxAttempts: 8, allowLocal: false });
    expect(strict).toMatchObject({ outcome: "failed", error: expect.stringMatching(/localhost/) });
    expect(receiver.received).toHaveLength(0);
  });

  it.each(["::169.254.169.254", "64:ff9b::a9fe:a9fe", "::ffff:0:a9fe:a9fe"])(
    "fails at once, without retries, when the host name resolves to the metadata address as %s",
    async (address) => {
      const { hook, delivery } = await publishOne();
      await db.update(webhooks).set({ url: "https://hooks.example.test/hook" }).where(eq(webhooks.id, hook.webhook.id));
      const resolve = ((_host: string, _options: unknown, callback: (error: null, addresses: { address: string; family: number }[]) => void) =>
        callback(null, [{ address, family: 6 }])) as never;
      const outcome = await attemptDelivery(db, delivery.id, { attempt: 1, maxAttempts: 8, resolve });
      expect(outcome).toMatchObject({
        outcome: "failed",
        error: expect.stringMatching(/^Not sent: refused: hooks\.example\.test resolves to .* an address webhooks may not reach\.$/),
      });
      expect((await deliveriesOf(hook.webhook.id))[0]).toMatchObject({ status: "failed" });
      // "failed" completes the worker's job (server/worker/tasks/deliver-webhook.ts): no retry is queued.
    },
  );

  it("redelivers a failed delivery: back to pending with one queued job, however often it is clicked", async () => {
    const { hook, delivery } = await publishOne();
    receiver.answers = [404];
    await deliverWebhookTask(db)({ deliveryId: delivery.id }, helpers(1));
    await db.execute(sql`delete from graphile_worker._private_jobs`);
    const log = await people.approver.api.webhooks.deliveries({ teamId, webhookId: hook.webhook.id });
    expect(log.deliveries).toEqual([
      expect.objectContaining({ id: delivery.id, status: "failed", attempts: 1, lastStatusCode: 404, subject: "requests/1234" }),
    ]);
    expect((await failure(people.auditor.api.webhooks.redeliver({ teamId, webhookId: hook.webhook.id, deliveryId: delivery.id }))).code).toBe(
      "FORBIDDEN",
    );

    await people.approver.api.webhooks.redeliver({ teamId, webhookId: hook.webhook.id, deliveryId: delivery.id });
    await people.approver.api.webhooks.redeliver({ teamId, webhookId: hook.webhook.id, deliveryId: delivery.id });
    expect(await queuedJobs()).toHaveLength(1);
    expect((await deliveriesOf(hook.webhook.id))[0]?.status).toBe("pending");
    await deliverWebhookTask(db)({ deliveryId: delivery.id }, helpers(1));
    expect((await deliveriesOf(hook.webhook.id))[0]).toMatchObject({ status: "succeeded", attempts: 2 });
  });

  it("signs with the new secret once it is rotated", async () => {
    const { hook, delivery } = await publishOne();
    const rotated = await people.approver.api.webhooks.rotateSecret({ teamId, webhookId: hook.webhook.id });
    await deliverWebhookTask(db)({ deliveryId: delivery.id }, helpers(1));
    const { headers, body } = receiver.received[0]!;
    const signature = { signature: headers["x-provisio-signature"] as string, timestamp: headers["x-provisio-timestamp"] as string };
    expect(verifySignature(rotated.secret, signature, body)).toBe(true);
    expect(verifySignature(hook.secret, signature, body)).toBe(false);
    const list = await people.approver.api.webhooks.list({ teamId });
    expect(JSON.stringify(list)).not.toContain(rotated.secret);
  });

  it("pages through the delivery log newest first", async () => {
    const hook = await createHook();
    for (let i = 0; i < 5; i++) await publish(event({ subject: `requests/${i}` }));
    const first = await people.auditor.api.webhooks.deliveries({ teamId, webhookId: hook.webhook.id, limit: 3 });
    expect(first.deliveries.map((d) => d.subject)).toEqual(["requests/4", "requests/3", "requests/2"]);
    const second = await people.auditor.api.webhooks.deliveries({ teamId, webhookId: hook.webhook.id, limit: 3, cursor: first.nextCursor! });
    expect(second.deliveries.map((d) => d.subject)).toEqual(["requests/1", "requests/0"]);
    expect(second.nextCursor).toBeNull();
  });
});

describe("events of the request flow", () => {
  it("a prod request that needs approval reaches the webhook and the approver's bell", async () => {
    const hook = await createHook(["dev.provisio.request.submitted", "dev.provisio.request.approval_needed"]);
    const template = uniqueTemplateName("hook");
    const draft = await people.admin.api.templateAdmin.createDraft({ yaml: templateYaml(template) });
    await people.admin.api.templateAdmin.publish({ versionId: draft.versionId, expectedLockVersion: draft.lockVersion });
    const request = await people.member.api.requests.submit({
      teamId,
      templateName: template,
      tier: "prod",
      environmentName: `env-${randomUUID().slice(0, 8)}`,
      ttlHours: 24,
      parameters: {},
      justification: "Webhook wiring test",
      clientRequestId: randomUUID(),
    });
    const rows = await deliveriesOf(hook.webhook.id);
    expect(rows.map((r) => r.eventType).sort()).toEqual(["dev.provisio.request.approval_needed", "dev.provisio.request.submitted"]);
    for (const row of rows) expect(row.payload).toMatchObject({ subject: `requests/${request.id}`, data: { requestId: request.id } });
    expect(new Set(rows.map((r) => r.eventId)).size).toBe(2);
    expect(await queuedJobs()).toHaveLength(2);
    const bell = await people.approver.api.notifications.list({});
    expect(bell.notifications[0]).toMatchObject({ kind: "approval_needed", link: `/requests/${request.id}` });
    expect(await people.approver.api.notifications.unreadCount()).toEqual({ unread: 1 });
  });
});

describe("the real job runner", () => {
  it("runs the queued job and delivers it, retrying a 500 with graphile-worker's backoff", async () => {
    const hook = await createHook();
    const runner = await run({
      pgPool: pool,
      concurrency: 1,
      pollInterval: 100,
      noHandleSignals: true,
      taskList: { deliver_webhook: deliverWebhookTask(db) },
      logger: new Logger(() => () => undefined),
    });
    try {
      receiver.answers = [500, 200];
      await publish(event());
      // The first attempt fails; graphile-worker schedules the retry e^1 ≈ 3 s later.
      await expect.poll(() => receiver.received.length, { timeout: 10_000, interval: 50 }).toBe(2);
      await expect.poll(async () => (await deliveriesOf(hook.webhook.id))[0]?.status, { timeout: 5_000, interval: 50 }).toBe("succeeded");
      expect((await deliveriesOf(hook.webhook.id))[0]?.attempts).toBe(2);
      const [first, second] = receiver.received;
      expect(
        verifySignature(
          hook.secret,
          { signature: second!.headers["x-provisio-signature"] as string, timestamp: second!.headers["x-provisio-timestamp"] as string },
          second!.body,
        ),
      ).toBe(true);
      expect(first!.headers["ce-id"]).toBe(second!.headers["ce-id"]);
      await expect.poll(() => queuedJobs(), { timeout: 5_000 }).toHaveLength(0);
    } finally {
      await runner.stop();
    }
  });
});
