const dateTimeFormat = new Intl.DateTimeFormat("en-GB", { dateStyle: "medium", timeStyle: "short", timeZone: "UTC" });

/** An absolute time, the same on server and browser (UTC). */
export function formatDateTime(date: Date | string | null | undefined): string {
  return date ? `${dateTimeFormat.format(new Date(date))} UTC` : "–";
}

/** "just now", "5 min ago", "3 h ago", "2 days ago", else the date. */
export function timeAgo(date: Date | string, now: Date = new Date()): string {
  const seconds = Math.max(0, Math.round((now.getTime() - new Date(date).getTime()) / 1000));
  if (seconds < 45) return "just now";
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return `${minutes} min ago`;
  const hours = Math.round(minutes / 60);
  if (hours < 24) return `${hours} h ago`;
  const days = Math.round(hours / 24);
  if (days < 14) return `${days} day${days === 1 ? "" : "s"} ago`;
  return formatDateTime(date);
}

/** The bell's accessible name: "Notifications, 3 unread". */
export function bellLabel(unread: number | undefined): string {
  if (unread === undefined) return "Notifications";
  return unread === 0 ? "Notifications, none unread" : `Notifications, ${unread} unread`;
}

/** What the badge shows: the count, capped. */
export function badgeText(unread: number): string {
  return unread > 99 ? "99+" : String(unread);
}
