/** The notification bell's words (times: components/format/time.ts). */

/** The bell's accessible name: "Notifications, 3 unread". */
export function bellLabel(unread: number | undefined): string {
  if (unread === undefined) return "Notifications";
  return unread === 0 ? "Notifications, none unread" : `Notifications, ${unread} unread`;
}

/** What the badge shows: the count, capped. */
export function badgeText(unread: number): string {
  return unread > 99 ? "99+" : String(unread);
}
