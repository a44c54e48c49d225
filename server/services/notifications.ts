/**
 * The bell: a person's own in-app notifications. Every function takes the caller's user id and
 * only ever reads or changes that user's rows. Rows are written by publishEvent (events.ts).
 */
import { and, desc, eq, inArray, isNull, lt, or, sql } from "drizzle-orm";
import { z } from "zod";
import type { Database } from "~/db/client";
import { notifications, teams } from "~/db/schema";
import { ServiceError } from "~/server/core/errors";

export const notificationListInput = z.object({
  unreadOnly: z.boolean({ error: "must be true or false" }).default(false),
  /** Opaque cursor from the previous page's `nextCursor`. */
  cursor: z.uuid({ error: "must be a cursor from the previous page" }).optional(),
  limit: z.number({ error: "must be a number" }).int().min(1, "at least 1").max(100, "at most 100").default(20),
});

export const markReadInput = z.object({
  ids: z
    .array(z.uuid({ error: "must be notification ids" }), { error: "must be a list of notification ids" })
    .min(1, "name at least one notification")
    .max(200, "at most 200 at once"),
});

/** Only app paths become links: a notification never sends anyone to another site. */
function safeLink(link: string | null): string | null {
  return link && link.startsWith("/") && !link.startsWith("//") && !link.includes("\\") ? link : null;
}

export async function listNotifications(db: Database, userId: string, input: z.infer<typeof notificationListInput>) {
  let cursor: { createdAt: Date; id: string } | undefined;
  if (input.cursor) {
    cursor = await db.query.notifications.findFirst({
      columns: { createdAt: true, id: true },
      where: and(eq(notifications.id, input.cursor), eq(notifications.userId, userId)),
    });
    if (!cursor) throw new ServiceError("invalid", "cursor: is not a page of your notifications", "cursor");
  }
  const rows = await db
    .select({ n: notifications, teamName: teams.name })
    .from(notifications)
    .leftJoin(teams, eq(teams.id, notifications.teamId))
    .where(
      and(
        eq(notifications.userId, userId),
        input.unreadOnly ? isNull(notifications.readAt) : undefined,
        cursor
          ? or(lt(notifications.createdAt, cursor.createdAt), and(eq(notifications.createdAt, cursor.createdAt), lt(notifications.id, cursor.id)))
          : undefined,
      ),
    )
    .orderBy(desc(notifications.createdAt), desc(notifications.id))
    .limit(input.limit + 1);
  const page = rows.slice(0, input.limit);
  return {
    notifications: page.map(({ n, teamName }) => ({
      id: n.id,
      kind: n.kind,
      title: n.title,
      body: n.body,
      link: safeLink(n.link),
      teamId: n.teamId,
      teamName,
      requestId: n.requestId,
      readAt: n.readAt,
      createdAt: n.createdAt,
    })),
    nextCursor: rows.length > input.limit ? (page.at(-1)?.n.id ?? null) : null,
  };
}

export type NotificationItem = Awaited<ReturnType<typeof listNotifications>>["notifications"][number];

export async function unreadCount(db: Database, userId: string): Promise<number> {
  const [row] = await db
    .select({ count: sql<number>`count(*)::int` })
    .from(notifications)
    .where(and(eq(notifications.userId, userId), isNull(notifications.readAt)));
  return row?.count ?? 0;
}

/** Marks the caller's own notifications read; other people's ids are ignored. Repeating it changes nothing. */
export async function markRead(db: Database, userId: string, ids: string[]) {
  const rows = await db
    .update(notifications)
    .set({ readAt: sql`now()` })
    .where(and(eq(notifications.userId, userId), inArray(notifications.id, [...new Set(ids)]), isNull(notifications.readAt)))
    .returning({ id: notifications.id });
  return { marked: rows.length, unread: await unreadCount(db, userId) };
}

export async function markAllRead(db: Database, userId: string) {
  const rows = await db
    .update(notifications)
    .set({ readAt: sql`now()` })
    .where(and(eq(notifications.userId, userId), isNull(notifications.readAt)))
    .returning({ id: notifications.id });
  return { marked: rows.length, unread: await unreadCount(db, userId) };
}
