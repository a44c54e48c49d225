import type { TRPCError } from "@trpc/server";
import { eq } from "drizzle-orm";
import { randomUUID } from "node:crypto";
import { beforeAll, describe, expect, it } from "vitest";
import type { ZodError } from "zod";
import type { Database } from "~/db/client";
import { notifications } from "~/db/schema";
import { createTestDatabase } from "~/testing/db";
import { callerFor, makeTeam, makeUser } from "~/testing/fixtures";
import { publishEvent } from "~/server/core/events";

type Caller = Awaited<ReturnType<typeof callerFor>>;
let db: Database;
let teamId: string;
const people = {} as Record<"alice" | "bob" | "auditor", { id: string; api: Caller }>;

beforeAll(async () => {
  ({ db } = await createTestDatabase());
  for (const key of ["alice", "bob", "auditor"] as const) {
    const user = await makeUser(db, { name: key, globalRole: key === "auditor" ? "auditor" : null });
    people[key] = { id: user.id, api: await callerFor(db, user.id) };
  }
  teamId = (
    await makeTeam(db, [
      { userId: people.alice.id, role: "approver" },
      { userId: people.bob.id, role: "member" },
    ])
  ).id;
});

async function notify(userIds: string[], title: string, link = "/approvals") {
  await db.transaction((tx) =>
    publishEvent(tx, {
      type: "request.approval_needed",
      teamId,
      subject: `requests/${randomUUID()}`,
      data: {},
      notify: { userIds, kind: "approval_needed", title, body: "Please decide.", link },
    }),
  );
}

describe("notifications", () => {
  it("lists only the caller's own, newest first, a page at a time, with the unread count", async () => {
    for (let i = 1; i <= 5; i++) await notify([people.alice.id], `Alice ${i}`);
    await notify([people.bob.id, people.bob.id], "Bob only");
    const first = await people.alice.api.notifications.list({ limit: 3 });
    expect(first.notifications.map((n) => n.title)).toEqual(["Alice 5", "Alice 4", "Alice 3"]);
    expect(first.notifications[0]).toMatchObject({ kind: "approval_needed", body: "Please decide.", link: "/approvals", readAt: null, teamId });
    expect(first.notifications[0]?.teamName).toMatch(/^Team /);
    const second = await people.alice.api.notifications.list({ limit: 3, cursor: first.nextCursor! });
    expect(second.notifications.map((n) => n.title)).toEqual(["Alice 2", "Alice 1"]);
    expect(second.nextCursor).toBeNull();
    expect(await people.alice.api.notifications.unreadCount()).toEqual({ unread: 5 });
    // Recipients are de-duplicated; Bob sees only his.
    const bob = await people.bob.api.notifications.list({});
    expect(bob.notifications.map((n) => n.title)).toEqual(["Bob only"]);
    // Someone else's notification is no cursor for me.
    const error = await people.alice.api.notifications.list({ cursor: bob.notifications[0]!.id }).catch((e: unknown) => e);
    expect((error as TRPCError).code).toBe("BAD_REQUEST");
  });

  it("marks only the caller's own notifications read", async () => {
    const bobs = await people.bob.api.notifications.list({ unreadOnly: true });
    const alices = await people.alice.api.notifications.list({ unreadOnly: true });
    const mine = alices.notifications[0]!.id;
    // Alice names her own and Bob's: only hers changes.
    const result = await people.alice.api.notifications.markRead({ ids: [mine, bobs.notifications[0]!.id] });
    expect(result).toEqual({ marked: 1, unread: alices.notifications.length - 1 });
    expect((await db.query.notifications.findFirst({ where: eq(notifications.id, bobs.notifications[0]!.id) }))?.readAt).toBeNull();
    // Again: nothing more changes.
    expect(await people.alice.api.notifications.markRead({ ids: [mine] })).toMatchObject({ marked: 0 });
    expect((await people.alice.api.notifications.list({ unreadOnly: true })).notifications.map((n) => n.id)).not.toContain(mine);

    expect(await people.alice.api.notifications.markAllRead()).toEqual({ marked: alices.notifications.length - 1, unread: 0 });
    expect(await people.bob.api.notifications.unreadCount()).toEqual({ unread: 1 });
  });

  it("refuses bad input naming the field, and auditors' changes", async () => {
    const empty = (await people.bob.api.notifications.markRead({ ids: [] }).catch((e: unknown) => e)) as TRPCError;
    expect(empty.code).toBe("BAD_REQUEST");
    expect((empty.cause as ZodError).issues.map((i) => [i.path.join("."), i.message])).toEqual([["ids", "name at least one notification"]]);
    const malformed = (await people.bob.api.notifications.markRead({ ids: ["nope"] }).catch((e: unknown) => e)) as TRPCError;
    expect(malformed.code).toBe("BAD_REQUEST");
    const auditor = (await people.auditor.api.notifications.markAllRead().catch((e: unknown) => e)) as TRPCError;
    expect(auditor.code).toBe("FORBIDDEN");
    expect(await people.auditor.api.notifications.list({})).toEqual({ notifications: [], nextCursor: null });
  });

  it("never turns a stored link to another site into a link", async () => {
    await notify([people.bob.id], "Sneaky", "//evil.example/phish");
    await notify([people.bob.id], "Sneakier", "javascript:alert(1)");
    const list = await people.bob.api.notifications.list({ limit: 2 });
    expect(list.notifications.map((n) => n.link)).toEqual([null, null]);
  });
});
