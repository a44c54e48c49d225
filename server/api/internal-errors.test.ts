import { randomUUID } from "node:crypto";
import { TRPCError } from "@trpc/server";
import { sql } from "drizzle-orm";
import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { Database } from "~/db/client";
import { createLogger } from "~/server/logger";
import { loadViewer, type Viewer } from "~/server/services/users";
import { createTestDatabase } from "~/testing/db";
import { makeTeam, makeUser } from "~/testing/fixtures";
import { templateYaml, uniqueTemplateName } from "~/testing/templates";
import { trpcHttpHandler } from "./http";
import { redactError } from "~/server/core/redacted-error";
import { createCaller } from "./root";
import { createContext } from "./trpc";

/**
 * Finding 4: a server fault answers a generic message with the correlation id; the log says
 * what failed (statement, PostgreSQL code, constraint) but never the values bound to it.
 * The fault is forced: a check constraint the comment insert breaks.
 */

let db: Database;
let member: Viewer;
let requestId: string;
let lines: Record<string, unknown>[];
let raw: string[];
const secret = "confidential-comment-7d1f3a";

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
  const teamId = (await makeTeam(db, [{ userId: user.id, role: "member" }])).id;
  member = (await loadViewer(db, user.id))!;
  const adminViewer = (await loadViewer(db, (await makeUser(db, { globalRole: "admin" })).id))!;
  const admin = createCaller(createContext(db, adminViewer, { log: createLogger(undefined, "silent") }));
  const name = uniqueTemplateName("fault");
  const draft = await admin.templateAdmin.createDraft({ yaml: templateYaml(name) });
  await admin.templateAdmin.publish({ versionId: draft.versionId, expectedLockVersion: draft.lockVersion });
  const request = await createCaller(createContext(db, member, { log: createLogger(undefined, "silent") })).requests.submit({
    teamId,
    templateName: name,
    tier: "dev",
    environmentName: "fault-demo",
    ttlHours: 24,
    parameters: {},
    justification: "forcing a database fault",
    clientRequestId: randomUUID(),
  });
  requestId = request.id;
  await db.execute(sql`alter table request_comments add constraint comments_without_secrets check (body not like 'confidential-%')`);
});
beforeEach(() => {
  lines = [];
  raw = [];
});

describe("server faults hide SQL and values", () => {
  it("answers 500 with a generic message and the correlation id; logs the statement and code, not the values", async () => {
    const handler = trpcHttpHandler({ db: () => db, viewer: async () => member, log });
    const response = await handler(
      new Request("http://localhost/api/trpc/requests.comment", {
        method: "POST",
        headers: { "content-type": "application/json", "x-request-id": "fault-1" },
        body: JSON.stringify({ json: { requestId, body: secret } }),
      }),
    );
    expect(response.status).toBe(500);
    const text = await response.text();
    const body = JSON.parse(text) as { error: { json: { message: string; data: Record<string, unknown> } } };
    expect(body.error.json.message).toBe(
      "Something went wrong on our side. Reference: fault-1. Try again; if it keeps failing, give the reference to your administrator.",
    );
    expect(body.error.json.data.correlationId).toBe("fault-1");
    expect(body.error.json.data.stack).toBeUndefined();
    for (const leak of [secret, "insert into", "request_comments", "params", requestId, member.id]) expect(text).not.toContain(leak);

    const failure = lines.find((l) => l.msg === "trpc call failed");
    expect(failure).toMatchObject({ correlationId: "fault-1", path: "requests.comment", code: "INTERNAL_SERVER_ERROR" });
    const err = failure!.err as { message: string; stack: string; pg: Record<string, string> };
    expect(err.message).toContain('Failed query: insert into "request_comments"');
    expect(err.pg).toMatchObject({ code: "23514", constraint: "comments_without_secrets", table: "request_comments" });
    expect(err.stack).toContain("    at ");
    const logged = raw.join("");
    expect(logged).not.toContain(secret);
    expect(logged).not.toContain("params:");
    expect(logged).not.toContain("Failing row contains");
  });

  it("gives server-side callers (pages) the same generic error", async () => {
    const caller = createCaller(createContext(db, member, { correlationId: "page-7", log }));
    const error = (await caller.requests.comment({ requestId, body: secret }).catch((e: unknown) => e)) as TRPCError;
    expect(error).toBeInstanceOf(TRPCError);
    expect(error.code).toBe("INTERNAL_SERVER_ERROR");
    expect(error.message).toContain("Reference: page-7.");
    expect(error.message).not.toContain(secret);
    expect(JSON.stringify(error.cause)).not.toContain(secret);
  });
});

describe("redactError", () => {
  it("drops drizzle's params, PostgreSQL's detail and the input PostgreSQL quotes", () => {
    const pgError = Object.assign(new Error('invalid input syntax for type uuid: "not-a-uuid-secret"'), {
      code: "22P02",
      severity: "ERROR",
      detail: "row (secret)",
      routine: "string_to_uuid",
    });
    const drizzle = Object.assign(new Error('Failed query: select * from "teams" where "id" = $1\nparams: not-a-uuid-secret'), {
      query: 'select * from "teams" where "id" = $1',
      params: ["not-a-uuid-secret"],
      cause: pgError,
    });
    const redacted = redactError(drizzle);
    expect(redacted.message).toBe(
      'Failed query: select * from "teams" where "id" = $1 ← caused by Error: invalid input syntax for type uuid: "[redacted]"',
    );
    expect(redacted.pg).toEqual({
      code: "22P02",
      severity: "ERROR",
      routine: "string_to_uuid",
      message: 'invalid input syntax for type uuid: "[redacted]"',
    });
    expect(JSON.stringify({ ...redacted, message: redacted.message, stack: redacted.stack })).not.toContain("secret");
  });
});
