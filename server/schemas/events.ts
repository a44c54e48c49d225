/** The event vocabulary for the browser (defined once in server/core/event-types.ts): what each notification kind is called. */
import { notificationKinds, type NotificationKind } from "~/server/core/event-types";

export type { NotificationKind } from "~/server/core/event-types";

/** "approval_needed" → "Approval needed"; an unknown (older) kind in words. */
export function notificationKindLabel(kind: string): string {
  return Object.hasOwn(notificationKinds, kind) ? notificationKinds[kind as NotificationKind] : kind.replaceAll("_", " ");
}
