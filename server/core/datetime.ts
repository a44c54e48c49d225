/**
 * The one absolute date-time style of Provisio, for the UI (components/format/time.ts) and for
 * the texts the server writes (notifications): "3 Nov 2026, 12:00 UTC", always UTC and marked.
 * Pure and browser-safe.
 */
const dateTimeFormat = new Intl.DateTimeFormat("en-GB", { dateStyle: "medium", timeStyle: "short", timeZone: "UTC" });
const dateTimeSecondsFormat = new Intl.DateTimeFormat("en-GB", { dateStyle: "medium", timeStyle: "medium", timeZone: "UTC" });

export function formatUtcDateTime(date: Date | string | number, options: { seconds?: boolean } = {}): string {
  return `${(options.seconds ? dateTimeSecondsFormat : dateTimeFormat).format(new Date(date))} UTC`;
}
