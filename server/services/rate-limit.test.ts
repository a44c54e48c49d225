import { beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase } from "~/testing/db";
import type { Database } from "~/db/client";
import { takeTokens } from "./rate-limit";

let db: Database;
beforeAll(async () => {
  ({ db } = await createTestDatabase());
});

describe("token buckets in PostgreSQL", () => {
  it("lets exactly the burst through when many calls race (one statement, shared by every replica)", async () => {
    const policy = { key: "race", capacity: 10, perSecond: 0.001 };
    const decisions = await Promise.all(Array.from({ length: 30 }, () => takeTokens(db, [policy])));
    expect(decisions.filter((d) => d.allowed)).toHaveLength(10);
    const refused = decisions.find((d) => !d.allowed)!;
    expect(refused.remaining).toBe(0);
    expect(refused.retryAfterSeconds).toBeGreaterThan(0);
  });

  it("refills with time, never above the capacity", async () => {
    const policy = { key: "refill", capacity: 2, perSecond: 1000 };
    await takeTokens(db, [policy]);
    await takeTokens(db, [policy]);
    // At 1000 tokens a second the bucket is full again by the next statement.
    const next = await takeTokens(db, [policy]);
    expect(next.allowed).toBe(true);
    expect(next.remaining).toBeLessThanOrEqual(1);
  });

  it("decides by the emptiest of several buckets (token and user)", async () => {
    const token = { key: "t:1", capacity: 100, perSecond: 0.001 };
    const user = { key: "u:1", capacity: 1, perSecond: 0.001 };
    expect((await takeTokens(db, [token, user])).allowed).toBe(true);
    const second = await takeTokens(db, [token, user]);
    expect(second.allowed).toBe(false);
    expect(second.key).toBe("u:1");
  });
});
