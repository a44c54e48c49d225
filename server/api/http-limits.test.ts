import { randomUUID } from "node:crypto";
import { isNull, and, eq } from "drizzle-orm";
import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { Database } from "~/db/client";
import { notifications, requestComments } from "~/db/schema";
import { createLogger } from "~/server/logger";
import { loadViewer, type Viewer } from "~/server/services/users";
import { createTestDatabase } from "~/testing/db";
import { callerFor, makeTeam, makeUser } from "~/testing/fixtures";
import { templateYaml, uniqueTemplateName } from "~/testing/templates";
import { trpcHttpHandler } from "./http";

/**
 * The HTTP edge of the API under hostile input: every refusal is a small 4xx naming what was
 * wrong, answered fast, and changes nothing.
 */

let db: Database;
let member: Viewer;
let teamId: string;
let templateName: string;
let raw: string[];

const log = createLogger({ write: (line: string) => void raw.push(line) }, "info");
const handler = () => trpcHttpHandler({ db: () => db, viewer: async () => member, log, publicUrls: () => ["https://provisio.example.com"] });

beforeAll(async () => {
  ({ db } = await createTestDatabase());
  const user = await makeUser(db);
  teamId = (await makeTeam(db, [{ userId: user.id, role: "member" }])).id;
  member = (await loadViewer(db, user.id))!;
  const admin = await callerFor(db, (await makeUser(db, { globalRole: "admin" })).id);
  templateName = uniqueTemplateName("lim");
  const draft = await admin.templateAdmin.createDraft({ yaml: templateYaml(templateName) });
  await admin.templateAdmin.publish({ versionId: draft.versionId, expectedLockVersion: draft.lockVersion });
});
beforeEach(() => {
  raw = [];
});

type Sent = { status: number; text: string; body: { error?: { json?: { message?: string; data?: Record<string, unknown> } } } | null; ms: number };

async function send(path: string, init: { method?: string; body?: string; headers?: Record<string, string> } = {}): Promise<Sent> {
  const started = performance.now();
  const method = init.method ?? (init.body === undefined ? "GET" : "POST");
  const response = await handler()(
    new Request(`http://localhost:3000/api/trpc/${path}`, {
      method,
      headers: { host: "localhost:3000", ...(method === "POST" ? { "content-type": "application/json" } : {}), ...init.headers },
      body: init.body,
    }),
  );
  const text = await response.text();
  let body: Sent["body"] = null;
  try {
    body = JSON.parse(text) as Sent["body"];
  } catch {
    body = null;
  }
  return { status: response.status, text, body, ms: performance.now() - started };
}

const json = (input: unknown) => JSON.stringify({ json: input });
const submitInput = (parameters: Record<string, unknown>) => ({
  teamId,
  templateName,
  tier: "dev",
  environmentName: `limits-${randomUUID().slice(0, 8)}`,
  ttlHours: 24,
  parameters,
  justification: "checking the input limits",
  clientRequestId: randomUUID(),
});

describe("finding 1: many unknown parameter keys cost neither memory nor a 500", () => {
  it("answers 20,000 unknown keys with a small BAD_REQUEST naming the field, fast", async () => {
    const parameters = Object.fromEntries(Array.from({ length: 20_000 }, (_, i) => [`unknown_key_${i}`, "x"]));
    const result = await send("requests.submit", { body: json(submitInput(parameters)) });
    expect(result.status).toBe(400);
    expect(result.text.length).toBeLessThan(16 * 1024);
    expect(result.body?.error?.json?.message).toContain("parameters");
    expect(result.body?.error?.json?.data?.field).toBe("parameters");
    expect(result.ms).toBeLessThan(5_000);
  });

  it("lists a few unknown keys the template does not have and counts the rest", async () => {
    const parameters = Object.fromEntries(Array.from({ length: 99 }, (_, i) => [`extra_${i}`, "x"]));
    const result = await send("requests.submit", { body: json(submitInput(parameters)) });
    expect(result.status).toBe(400);
    expect(result.body?.error?.json?.message).toMatch(/unknown parameters: extra_0, .* and 89 more/);
    expect(result.text.length).toBeLessThan(8 * 1024);
  });

  it("refuses a body over 1 MB with 413 before reading the rest", async () => {
    const result = await send("requests.comment", { body: json({ requestId: randomUUID(), body: "x".repeat(1_100_000) }) });
    expect(result.status).toBe(413);
    expect(result.body?.error?.json?.message).toMatch(/larger than 1024 KB/);
  });

  it.each([
    ["a string longer than any field", { requestId: randomUUID(), body: "x".repeat(300_000) }, "body", /at most 262,144 characters/],
    ["deep nesting", { requestId: randomUUID(), body: JSON.parse(`${"[".repeat(20)}1${"]".repeat(20)}`) as unknown }, "body", /nested too deeply/],
    ["an array of 5,000 items", { requestId: randomUUID(), body: Array.from({ length: 5_000 }, () => 1) }, "body", /at most 1,000 items/],
  ])("refuses %s, naming the field", async (_, input, field, message) => {
    const result = await send("requests.comment", { body: json(input) });
    expect(result.status).toBe(400);
    expect(result.body?.error?.json?.data?.field).toMatch(new RegExp(`^${field}\\b`));
    expect(result.body?.error?.json?.message).toMatch(message);
    expect(result.text.length).toBeLessThan(4 * 1024);
  });
});

describe("finding 3: control characters are refused with the field named, never a 500", () => {
  it.each([
    ["requests.comment", { requestId: randomUUID(), body: "hello\u0000world" }, "body"],
    ["requests.list", { search: "abc\u0000" }, "search"],
    ["teams.create", { slug: "nul-team", name: "Bad\u0000name", description: "", costCenter: "CC-1", monthlyBudgetUsd: 1 }, "name"],
    ["requests.submit", null, "justification"],
    ["requests.submit", "parameters", "parameters.owner_note"],
  ])("%s with a NUL in %s answers 400 naming it", async (path, input, field) => {
    const payload =
      input === null
        ? { ...submitInput({}), justification: "ten characters and a \u0000" }
        : input === "parameters"
          ? submitInput({ owner_note: "note\u0000" })
          : input;
    const method = path.endsWith(".list") ? "GET" : "POST";
    const result = method === "GET" ? await send(`${path}?input=${encodeURIComponent(json(payload))}`) : await send(path, { body: json(payload) });
    expect(result.status).toBe(400);
    expect(result.body?.error?.json?.data?.field).toBe(field);
    expect(result.body?.error?.json?.message).toContain("control characters (found U+0000)");
    expect(raw.join("")).not.toContain("\u0000");
  });

  it("allows tab and line breaks in text areas", async () => {
    const admin = await callerFor(db, (await makeUser(db, { globalRole: "admin" })).id);
    const request = await (await callerFor(db, member.id)).requests.submit(submitInput({}) as never);
    expect(admin).toBeTruthy();
    const result = await send("requests.comment", { body: json({ requestId: request.id, body: "line 1\r\n\tline 2" }) });
    expect(result.status).toBe(200);
    const rows = await db.select().from(requestComments).where(eq(requestComments.requestId, request.id));
    expect(rows.map((r) => r.body)).toContain("line 1\r\n\tline 2");
  });

  it("refuses a lone surrogate (half a UTF-16 pair) with the field named, and keeps whole pairs such as emoji", async () => {
    const request = await (await callerFor(db, member.id)).requests.submit(submitInput({}) as never);
    // JSON.stringify writes it as the escape "\ud800", which PostgreSQL's jsonb refuses: once a 500.
    const lone = await send("requests.comment", { body: json({ requestId: request.id, body: "half a pair \ud800 here" }) });
    expect(lone.status).toBe(400);
    expect(lone.body?.error?.json?.data?.field).toBe("body");
    expect(lone.body?.error?.json?.message).toContain("lone surrogate U+D800");
    const keyed = await send("requests.submit", { body: json(submitInput({ ["key\udc00"]: "x" })) });
    expect(keyed.status).toBe(400);
    expect(keyed.body?.error?.json?.data?.field).toBe("parameters");
    const emoji = await send("requests.comment", { body: json({ requestId: request.id, body: "ship it \u{1F680}" }) });
    expect(emoji.status).toBe(200);
    const rows = await db.select().from(requestComments).where(eq(requestComments.requestId, request.id));
    expect(rows.map((r) => r.body)).toEqual(["ship it \u{1F680}"]);
  });

  it("refuses other control characters and control characters in keys", async () => {
    for (const [input, message] of [
      [{ search: "a\u001bb" }, "U+001B"],
      [{ search: "a\u0085b" }, "U+0085"],
    ] as const) {
      const result = await send(`requests.list?input=${encodeURIComponent(json(input))}`);
      expect(result.status).toBe(400);
      expect(result.body?.error?.json?.message).toContain(message);
    }
    const keyed = await send("requests.submit", { body: json(submitInput({ "bad\u0000key": "x" })) });
    expect(keyed.status).toBe(400);
    expect(keyed.body?.error?.json?.data?.field).toBe("parameters");
  });
});

describe("finding 9: batches are bounded and a malformed superjson meta answers 400 fast", () => {
  it("refuses a batch of more than 10 calls, writing nothing", async () => {
    const request = await (await callerFor(db, member.id)).requests.submit(submitInput({}) as never);
    const paths = Array.from({ length: 300 }, () => "requests.comment").join(",");
    const body = JSON.stringify(
      Object.fromEntries(Array.from({ length: 300 }, (_, i) => [i, { json: { requestId: request.id, body: `comment ${i}` } }])),
    );
    const result = await send(`${paths}?batch=1`, { body });
    expect(result.status).toBe(400);
    expect(result.body?.error?.json?.message).toBe("A batch may hold at most 10 calls; this one has 300.");
    expect(await db.select().from(requestComments).where(eq(requestComments.requestId, request.id))).toEqual([]);
  });

  it("still runs a batch of 10", async () => {
    const result = await send(`${Array.from({ length: 10 }, () => "me.get").join(",")}?batch=1`);
    expect(result.status).toBe(200);
  });

  // Bodies written as text: JSON.stringify itself would overflow on the deep ones.
  it.each([
    ["a deeply nested values tree", `{"json":{},"meta":{"values":${'{"a":'.repeat(50_000)}["undefined"]${"}".repeat(50_000)}}}`],
    ["a deeply nested annotation", `{"json":{},"meta":{"values":${'["undefined",{"a":'.repeat(20_000)}["undefined"]${"}]".repeat(20_000)}}}`],
    ["a long path", JSON.stringify({ json: {}, meta: { values: { [Array.from({ length: 50_000 }, () => "a").join(".")]: ["undefined"] } } })],
    ["a bigint annotation", JSON.stringify({ json: { requestId: "9".repeat(200_000) }, meta: { values: { requestId: ["bigint"] } } })],
    ["a regexp annotation", JSON.stringify({ json: { search: "(a+)+$" }, meta: { values: { search: ["regexp"] } } })],
    ["many referential equalities", JSON.stringify({ json: {}, meta: { referentialEqualities: { a: Array.from({ length: 10_000 }, () => "b") } } })],
    ["deeply nested json", `{"json":${"[".repeat(100_000)}${"]".repeat(100_000)}}`],
  ])("refuses %s with 400 in well under a second", async (_, body) => {
    const result = await send("requests.comment", { body });
    expect(result.status).toBe(400);
    expect(result.body?.error?.json?.message).toMatch(/^Invalid input: /);
    expect(result.ms).toBeLessThan(1_000);
  });
});

describe("finding 10: state changes only from this site", () => {
  async function unread(): Promise<number> {
    return (
      await db
        .select()
        .from(notifications)
        .where(and(eq(notifications.userId, member.id), isNull(notifications.readAt)))
    ).length;
  }
  beforeEach(async () => {
    await db.insert(notifications).values({ userId: member.id, kind: "approval_needed", title: "Approval needed", body: "", link: null });
  });

  it("refuses a cross-origin multipart POST to notifications.markAllRead and changes nothing", async () => {
    const before = await unread();
    expect(before).toBeGreaterThan(0);
    const form = new FormData();
    form.set("x", "1");
    const response = await handler()(
      new Request("http://localhost:3000/api/trpc/notifications.markAllRead", {
        method: "POST",
        headers: { host: "localhost:3000", origin: "https://evil.example", "sec-fetch-site": "cross-site" },
        body: form,
      }),
    );
    expect(response.status).toBe(403);
    expect(await response.text()).toContain("Cross-site request refused");
    expect(await unread()).toBe(before);
  });

  it.each([
    ["another origin", { origin: "https://evil.example" }],
    ["a look-alike host", { origin: "http://localhost:3000.evil.example" }],
    ["an opaque origin", { origin: "null" }],
    ["no Origin but a cross-site fetch", { "sec-fetch-site": "cross-site" }],
    ["no Origin but a same-site (other subdomain) fetch", { "sec-fetch-site": "same-site" }],
  ])("refuses a JSON POST from %s", async (_, headers) => {
    const before = await unread();
    const result = await send("notifications.markAllRead", { body: json(null), headers });
    expect(result.status).toBe(403);
    expect(await unread()).toBe(before);
  });

  it("refuses a same-origin form post (not JSON) with 415", async () => {
    const result = await send("notifications.markAllRead", {
      body: "x=1",
      headers: { origin: "http://localhost:3000", "content-type": "application/x-www-form-urlencoded" },
    });
    expect(result.status).toBe(415);
  });

  it.each([
    ["the same origin", { origin: "http://localhost:3000", "sec-fetch-site": "same-origin" }],
    ["the configured public URL (behind a proxy)", { origin: "https://provisio.example.com" }],
    ["the forwarded host", { origin: "https://portal.example.org", "x-forwarded-host": "portal.example.org" }],
    ["a same-origin fetch without Origin", { "sec-fetch-site": "same-origin" }],
    ["a script without browser headers", {}],
  ])("allows a POST from %s", async (_, headers) => {
    const result = await send("notifications.markAllRead", { body: json(null), headers });
    expect(result.status).toBe(200);
    expect(await unread()).toBe(0);
  });
});
