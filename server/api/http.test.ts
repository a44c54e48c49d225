import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { Database } from "~/db/client";
import { createLogger } from "~/server/logger";
import { loadViewer, type Viewer } from "~/server/services/users";
import { createTestDatabase } from "~/testing/db";
import { makeTeam, makeUser } from "~/testing/fixtures";
import { trpcHttpHandler } from "./http";

let db: Database;
let approver: Viewer;
let teamId: string;
let lines: Record<string, unknown>[];
let raw: string[];

const log = createLogger(
  {
    write(line: string) {
      raw.push(line);
      lines.push(JSON.parse(line) as Record<string, unknown>);
    },
  },
  "info",
);

beforeAll(async () => {
  ({ db } = await createTestDatabase());
  const user = await makeUser(db);
  teamId = (await makeTeam(db, [{ userId: user.id, role: "approver" }])).id;
  approver = (await loadViewer(db, user.id))!;
});
beforeEach(() => {
  lines = [];
  raw = [];
});

const handlerAs = (viewer: Viewer | null) => trpcHttpHandler({ db: () => db, viewer: async () => viewer, log });
const callLines = () => lines.filter((l) => typeof l.msg === "string" && (l.msg as string).startsWith("trpc "));

describe("tRPC over HTTP: one JSON log line per call, correlated by the request id", () => {
  it("takes a sane x-request-id, returns it, and logs the call once with path, type, duration, outcome and user", async () => {
    const response = await handlerAs(approver)(new Request("http://localhost/api/trpc/me.get", { headers: { "x-request-id": "edge-7f3a.9b:01" } }));
    expect(response.status).toBe(200);
    expect(response.headers.get("x-request-id")).toBe("edge-7f3a.9b:01");
    expect(callLines()).toEqual([
      expect.objectContaining({
        level: 30,
        service: "web",
        msg: "trpc call",
        correlationId: "edge-7f3a.9b:01",
        path: "me.get",
        type: "query",
        outcome: "ok",
        userId: approver.id,
        durationMs: expect.any(Number),
      }),
    ]);
  });

  it("replaces a missing or unsafe x-request-id with a new UUID, in the log and the response", async () => {
    for (const header of [undefined, "two words", 'x"},{"forged":true', "a".repeat(129)]) {
      lines = [];
      const response = await handlerAs(approver)(
        new Request("http://localhost/api/trpc/me.get", { headers: header ? { "x-request-id": header } : {} }),
      );
      const id = response.headers.get("x-request-id");
      expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      expect(callLines()).toEqual([expect.objectContaining({ correlationId: id, path: "me.get" })]);
    }
  });

  it("never logs inputs or outputs: a webhook secret sent and returned stays out of the log", async () => {
    const secret = "brought-secret-5c1d9e7f2a4b6c8d0e1f";
    const response = await handlerAs(approver)(
      new Request("http://localhost/api/trpc/webhooks.create", {
        method: "POST",
        headers: { "content-type": "application/json", "x-request-id": "create-hook-1" },
        body: JSON.stringify({ json: { teamId, url: "https://hooks.example.com/provisio", events: ["dev.provisio.request.approved"], secret } }),
      }),
    );
    expect(response.status).toBe(200);
    expect(await response.text()).toContain(secret);
    expect(callLines()).toEqual([
      expect.objectContaining({ correlationId: "create-hook-1", path: "webhooks.create", type: "mutation", outcome: "ok" }),
    ]);
    expect(raw.join("")).not.toContain(secret);
    expect(raw.join("")).not.toContain("hooks.example.com");
  });

  it("logs a refused call with its error code, and an unknown path that never reached a procedure", async () => {
    await handlerAs(null)(new Request("http://localhost/api/trpc/me.get", { headers: { "x-request-id": "anon-1" } }));
    expect(callLines()).toEqual([
      expect.objectContaining({ correlationId: "anon-1", path: "me.get", outcome: "error", code: "UNAUTHORIZED", userId: null }),
    ]);

    lines = [];
    const bad = await handlerAs(approver)(
      new Request("http://localhost/api/trpc/webhooks.create", {
        method: "POST",
        headers: { "content-type": "application/json", "x-request-id": "bad-input-1" },
        body: JSON.stringify({ json: { teamId, url: "not a url", events: [], secret: "short-but-secret-value" } }),
      }),
    );
    expect(bad.status).toBe(400);
    expect(callLines()).toEqual([expect.objectContaining({ correlationId: "bad-input-1", outcome: "error", code: "BAD_REQUEST" })]);
    expect(raw.join("")).not.toContain("short-but-secret-value");

    lines = [];
    const missing = await handlerAs(approver)(new Request("http://localhost/api/trpc/nothing.here", { headers: { "x-request-id": "lost-1" } }));
    expect(missing.status).toBe(404);
    expect(missing.headers.get("x-request-id")).toBe("lost-1");
    expect(callLines()).toEqual([expect.objectContaining({ correlationId: "lost-1", path: "nothing.here", outcome: "error", code: "NOT_FOUND" })]);
  });

  it("logs each call of a batch once, all with the request's id", async () => {
    const response = await handlerAs(approver)(
      new Request("http://localhost/api/trpc/me.get,teams.list?batch=1", { headers: { "x-request-id": "batch-1" } }),
    );
    expect(response.status).toBe(200);
    expect(callLines().map((l) => [l.path, l.correlationId, l.outcome])).toEqual(
      expect.arrayContaining([
        ["me.get", "batch-1", "ok"],
        ["teams.list", "batch-1", "ok"],
      ]),
    );
    expect(callLines()).toHaveLength(2);
  });
});
