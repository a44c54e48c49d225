/**
 * A run's log off the critical path: lines are queued and written with the next statement (or
 * by a background insert), always in the order they were written, and none is lost when a
 * statement that carried them fails or its transaction rolls back.
 */
import path from "node:path";
import { desc, eq } from "drizzle-orm";
import pg from "pg";
import { beforeAll, describe, expect, it } from "vitest";
import type { Database } from "~/db/client";
import { runEvents } from "~/db/schema";
import { syncTemplates } from "~/server/services/template-sync";
import { createTestDatabase } from "~/testing/db";
import { callerFor, makeTeam, makeUser, submitBastion } from "~/testing/fixtures";
import { insertLines, RunLog } from "./run-log";
import { startApply } from "./start-apply";

let db: Database;
let url: string;
let runId: string;

beforeAll(async () => {
  ({ db, url } = await createTestDatabase());
  await syncTemplates(db, path.resolve(import.meta.dirname, "../../templates"));
  const user = await makeUser(db);
  const teamId = (await makeTeam(db, [{ userId: user.id, role: "member" }])).id;
  const dev = await callerFor(db, user.id);
  const id = await submitBastion(dev, teamId, "log", "Run log tests");
  runId = (await startApply(db, id))!;
});

const lines = async () => (await db.select().from(runEvents).where(eq(runEvents.runId, runId)).orderBy(runEvents.id)).map((e) => e.message);
const info = (message: string) => ({ level: "info" as const, message });

describe("the run log", () => {
  it("writes queued lines in order, stamped when written, in the background when no statement comes", async () => {
    const waiting = new RunLog(db, runId, 60_000);
    waiting.write(info("zero"));
    // Queued, not written: writing never waits for the database.
    expect(await lines()).toEqual([]);
    await waiting.close();
    const log = new RunLog(db, runId, 5);
    const before = Date.now();
    log.write(info("one"));
    log.write({ level: "warn", message: "two", address: "net", data: { n: 2 } });
    await expect.poll(lines).toEqual(["zero", "one", "two"]);
    const [, , second] = await db.select().from(runEvents).where(eq(runEvents.runId, runId)).orderBy(runEvents.id);
    expect(second).toMatchObject({ level: "warn", address: "net", data: { n: 2 } });
    expect(second!.at.getTime()).toBeGreaterThanOrEqual(before - 1);
    await log.close();
  });

  it("puts the lines of a failed statement back in front, and a rolled-back transaction's too", async () => {
    const log = new RunLog(db, runId, 60_000);
    log.write(info("three"));
    await expect(log.with(async () => Promise.reject(new Error("statement failed")))).rejects.toThrow("statement failed");
    log.write(info("four"));
    await expect(
      log.transaction(async () => {
        log.write(info("five"));
        throw new Error("rolled back");
      }),
    ).rejects.toThrow("rolled back");
    log.write(info("six"));
    // A statement carries them all, in order, once: a drizzle query handed over as it is (a thenable that
    // runs again each time it is awaited) is sent once.
    await log.with((queued) => db.execute(insertLines(runId, queued)));
    expect(await lines()).toEqual(["zero", "one", "two", "three", "four", "five", "six"]);
    await log.transaction(async () => log.write(info("seven")));
    await log.close();
    expect((await lines()).slice(3)).toEqual(["three", "four", "five", "six", "seven"]);
  });

  it("lets a transaction's own statement carry the lines it takes, in order, and puts them back when it rolls back", async () => {
    const log = new RunLog(db, runId, 60_000);
    log.write(info("eight"));
    await expect(
      log.transaction(async (tx, take) => {
        log.write(info("nine"));
        await tx.execute(insertLines(runId, take()));
        log.write(info("ten"));
        throw new Error("rolled back after taking");
      }),
    ).rejects.toThrow("rolled back after taking");
    expect((await lines()).slice(-1)).toEqual(["seven"]);
    log.write(info("eleven"));
    await log.transaction(async (tx, take) => {
      log.write(info("twelve"));
      // Taken: written by this statement; "thirteen" comes after it, written when the transaction ends.
      await tx.execute(insertLines(runId, take()));
      log.write(info("thirteen"));
    });
    expect((await lines()).slice(-6)).toEqual(["eight", "nine", "ten", "eleven", "twelve", "thirteen"]);
    await log.close();
  });

  it("lets one statement without a transaction carry the lines it takes, and keeps them in order when it fails or is not sent", async () => {
    const log = new RunLog(db, runId, 60_000);
    log.write(info("fourteen"));
    await expect(
      log.together(async (take) => {
        log.write(info("fifteen"));
        take();
        throw new Error("statement failed");
      }),
    ).rejects.toThrow("statement failed");
    // Not sent: whatever it took goes back.
    expect(
      await log.together(async (take) => {
        take();
        return false;
      }),
    ).toBe(false);
    log.write(info("sixteen"));
    const sent = await log.together(async (take) => {
      log.write(info("seventeen"));
      await db.execute(insertLines(runId, take()));
      log.write(info("eighteen"));
      return true;
    });
    expect(sent).toBe(true);
    expect((await lines()).slice(-4)).toEqual(["fourteen", "fifteen", "sixteen", "seventeen"]);
    // Written after the statement, not lost: a statement that took nothing leaves the queue for later.
    expect(await log.together(async () => true)).toBe(true);
    await log.close();
    expect((await lines()).slice(-1)).toEqual(["eighteen"]);
  });

  it("announces a statement's new lines once per run, with the last line's id, for the live streams", async () => {
    const listener = new pg.Client({ connectionString: url });
    await listener.connect();
    const heard: string[] = [];
    listener.on("notification", (message) => heard.push(message.payload ?? ""));
    await listener.query("LISTEN run_events");
    try {
      const marker = `${runId}:marker`;
      await db.execute(
        insertLines(
          runId,
          [info("nineteen"), info("twenty"), info("twenty-one")].map((l) => ({ ...l, at: new Date() })),
        ),
      );
      await listener.query(`select pg_notify('run_events', '${marker}')`);
      // Notifications arrive in commit order: once the marker is here, the statement's are too.
      await expect.poll(() => heard.includes(marker)).toBe(true);
      const [last] = await db.select({ id: runEvents.id }).from(runEvents).where(eq(runEvents.runId, runId)).orderBy(desc(runEvents.id)).limit(1);
      expect(heard.filter((p) => p !== marker)).toEqual([`${runId}:${last!.id}`]);
    } finally {
      await listener.end();
    }
  });
});
