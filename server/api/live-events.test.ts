import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { notifications } from "~/db/schema";
import { createTestDatabase } from "~/testing/db";
import { makeTeam, makeUser } from "~/testing/fixtures";
import { mayHear, parseChange, subscribeChanges, toBrowser, type LiveChange } from "./live-events";

const teamA = randomUUID();
const teamB = randomUUID();
const me = randomUUID();
const developer = { id: me, globalRole: null, teams: [{ id: teamA, role: "member" as const }] };
const change = (over: Partial<LiveChange>): LiveChange => ({ t: "request", id: randomUUID(), team: teamA, rel: null, user: null, ...over });

describe("live change scoping", () => {
  it("lets members hear their teams' requests and environments, never another team's", () => {
    expect(mayHear(developer, change({ t: "request" }))).toBe(true);
    expect(mayHear(developer, change({ t: "environment" }))).toBe(true);
    expect(mayHear(developer, change({ t: "request", team: teamB }))).toBe(false);
    expect(mayHear(developer, change({ t: "environment", team: teamB }))).toBe(false);
    expect(mayHear(developer, change({ t: "request", team: null }))).toBe(false);
  });

  it("lets admins and auditors hear every team, like the API's reads", () => {
    expect(mayHear({ id: me, globalRole: "auditor", teams: [] }, change({ team: teamB }))).toBe(true);
    expect(mayHear({ id: me, globalRole: "admin", teams: [] }, change({ t: "environment", team: teamB }))).toBe(true);
  });

  it("tells fleet rollouts (no team: they span teams) to admins and auditors only, like the rollout reads", () => {
    const rollout = change({ t: "rollout", team: null });
    expect(mayHear({ id: me, globalRole: "admin", teams: [] }, rollout)).toBe(true);
    expect(mayHear({ id: me, globalRole: "auditor", teams: [] }, rollout)).toBe(true);
    expect(mayHear(developer, rollout)).toBe(false);
    expect(mayHear({ id: me, globalRole: null, teams: [{ id: teamA, role: "approver" }] }, rollout)).toBe(false);
    expect(toBrowser(rollout)).toEqual({ t: "rollout", id: rollout.id, rel: null });
  });

  it("tells a notification to its recipient only, whatever the team", () => {
    expect(mayHear(developer, change({ t: "notification", user: me }))).toBe(true);
    expect(mayHear(developer, change({ t: "notification", user: randomUUID() }))).toBe(false);
    expect(mayHear({ id: me, globalRole: "admin", teams: [] }, change({ t: "notification", user: randomUUID() }))).toBe(false);
  });

  it("refuses malformed payloads and sends the browser ids only", () => {
    expect(parseChange(undefined)).toBeNull();
    expect(parseChange("not json")).toBeNull();
    expect(parseChange(JSON.stringify({ t: "secret", id: randomUUID(), team: null, rel: null, user: null }))).toBeNull();
    const c = change({ t: "notification", user: me });
    expect(parseChange(JSON.stringify(c))).toEqual(c);
    expect(toBrowser(c)).toEqual({ t: "notification", id: c.id, rel: null });
  });
});

describe("live change stream from the database", () => {
  // One database for the file: the shared connection stays on the first one it was opened for.
  let created: Promise<Awaited<ReturnType<typeof createTestDatabase>>> | undefined;
  const database = () => (created ??= createTestDatabase());

  it("announces a committed notification on the shared connection, with its recipient and team", async () => {
    const { db, url } = await database();
    const user = await makeUser(db);
    const team = await makeTeam(db, [{ userId: user.id, role: "member" }]);
    const heard: LiveChange[] = [];
    let wake = () => {};
    const arrived = new Promise<void>((resolve) => (wake = resolve));
    const stop = await subscribeChanges(url, (c) => {
      heard.push(c);
      if (c.t === "notification") wake();
    });
    try {
      const [row] = await db
        .insert(notifications)
        .values({ userId: user.id, kind: "request_approved", title: "Approved", teamId: team.id })
        .returning();
      await arrived;
      expect(heard).toContainEqual({ t: "notification", id: row!.id, team: team.id, rel: null, user: user.id });
    } finally {
      stop();
    }
  });

  it("still tells every later stream when an earlier one throws (its browser went away), and drops the broken one", async () => {
    const { db, url } = await database();
    const user = await makeUser(db);
    const team = await makeTeam(db, [{ userId: user.id, role: "member" }]);
    let broken = 0;
    // Subscribed first, so it is first in the fan-out: a cancelled stream's enqueue throws like this.
    const stopBroken = await subscribeChanges(url, () => {
      broken++;
      throw new TypeError("Invalid state: Controller is already closed");
    });
    const heard: string[] = [];
    let wake = () => {};
    const arrived = new Promise<void>((resolve) => (wake = resolve));
    const stop = await subscribeChanges(url, (c) => {
      if (c.t !== "notification" || c.user !== user.id) return;
      heard.push(c.id);
      if (heard.length === 2) wake();
    });
    try {
      for (const title of ["First", "Second"])
        await db.insert(notifications).values({ userId: user.id, kind: "request_approved", title, teamId: team.id });
      await arrived;
      expect(heard).toHaveLength(2);
      // Dropped after its first failure: the second change did not reach it.
      expect(broken).toBe(1);
    } finally {
      stop();
      stopBroken();
    }
  });
});
