/**
 * The runner's database round trips, counted (machine-independent, unlike the bench's timings):
 * opening an apply and loading its run is one statement, each resource at most one statement (its
 * `creating` with the previous one's `ready` and the log lines between) but the last, whose
 * `ready` goes with the outcome, and the outcome one statement (no transaction). The simulator's
 * own queries go through another pool and are not counted.
 */
import path from "node:path";
import { drizzle } from "drizzle-orm/node-postgres";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { schema, type Database } from "~/db/client";
import { quietSimConfig } from "~/server/engines/sim/cloud";
import { createSimEngine, type SimEngine } from "~/server/engines/sim/engine";
import { syncTemplates } from "~/server/services/template-sync";
import { createTestDatabase } from "~/testing/db";
import { callerFor, makeTeam, makeUser, submitBastion } from "~/testing/fixtures";
import { provisionRequest } from "./start-apply";

let db: Database;
let counted: Database;
let pool: pg.Pool;
let sim: SimEngine;
let statements: string[] = [];
let dev: Awaited<ReturnType<typeof callerFor>>;
let teamId: string;

beforeAll(async () => {
  let url: string;
  ({ db, url } = await createTestDatabase());
  await syncTemplates(db, path.resolve(import.meta.dirname, "../../templates"));
  sim = createSimEngine({ db, config: quietSimConfig });
  pool = new pg.Pool({ connectionString: url, max: 4 });
  pool.on("connect", (client) => {
    const query = client.query.bind(client) as (...args: unknown[]) => unknown;
    (client as unknown as { query: (...args: unknown[]) => unknown }).query = (...args: unknown[]) => {
      const first = args[0] as string | { text: string };
      statements.push(typeof first === "string" ? first : first.text);
      return query(...args);
    };
  });
  counted = drizzle(pool, { schema }) as unknown as Database;
  const user = await makeUser(db);
  teamId = (await makeTeam(db, [{ userId: user.id, role: "member" }])).id;
  dev = await callerFor(db, user.id);
});
afterAll(async () => {
  await pool.end();
});

describe("round trips of an apply", () => {
  it("provisions five resources in at most 1 + 5 + 1 statements", async () => {
    const requestId = await submitBastion(dev, teamId, "trips", "Counting round trips");
    statements = [];
    const started = await provisionRequest(counted, requestId, { workerId: "counted", engines: () => sim, heartbeatMs: 60_000 });
    expect(started?.outcome).toBe("succeeded");
    // At most one resource statement per resource: the first tracks all five, each later one carries the
    // readies waiting by then. On a busy machine a statement can still be on its way when the next resource
    // is made, and their readies then go together: fewer statements, never more (at least the tracking
    // one and one for readies 1-4).
    const resourceStatements = statements.filter((s) => s.includes("environment_resources") && s.includes("held as"));
    expect(resourceStatements.length, resourceStatements.join("\n---\n")).toBeLessThanOrEqual(5);
    expect(resourceStatements.length).toBeGreaterThanOrEqual(2);
    // open with the run's load, 5 resource statements, the outcome (the last resource's ready, the run,
    // environment, request, audit, notification, webhook deliveries and their jobs, the last lines: one statement).
    // Before this design: 47; before the open and the outcome were folded: 18; with the outcome a transaction: 12;
    // with the last ready a statement of its own: 8.
    // The log's background inserts (lines queued while an engine call outlasts the log's delay, as on
    // a loaded machine) are off the apply's path and not counted.
    const onPath = statements.filter((s) => !s.trimStart().startsWith(`insert into "run_events"`));
    expect(onPath.length, onPath.join("\n---\n")).toBeLessThanOrEqual(7);
  });
});
