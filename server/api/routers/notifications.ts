import { listNotifications, markAllRead, markRead, markReadInput, notificationListInput, unreadCount } from "~/server/services/notifications";
import { authedProcedure, router } from "../trpc";

/** Everyone reads and marks only their own notifications (auditors read theirs; marking is a change). */
export const notificationsRouter = router({
  /** Newest first, a page at a time (`cursor` = the previous page's `nextCursor`). */
  list: authedProcedure.input(notificationListInput).query(({ ctx, input }) => listNotifications(ctx.db, ctx.viewer.id, input)),

  unreadCount: authedProcedure.query(async ({ ctx }) => ({ unread: await unreadCount(ctx.db, ctx.viewer.id) })),

  markRead: authedProcedure.input(markReadInput).mutation(({ ctx, input }) => markRead(ctx.db, ctx.viewer.id, input.ids)),

  markAllRead: authedProcedure.mutation(({ ctx }) => markAllRead(ctx.db, ctx.viewer.id)),
});
