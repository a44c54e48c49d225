/**
 * Dates and times as the UI shows them: one style everywhere. Absolute times are UTC and say so
 * ("3 Nov 2026, 12:00 UTC"), so the server render and the browser agree; relative times read
 * "5 minutes ago", "in 3 hours", "yesterday" (Intl.RelativeTimeFormat), with the absolute time on
 * hover (components/ui/relative-time.tsx). Browser-safe.
 */
import { formatUtcDateTime } from "~/server/core/datetime";
import { plural } from "./plural";

type DateLike = Date | string | number;

const dateFormat = new Intl.DateTimeFormat("en-GB", { dateStyle: "medium", timeZone: "UTC" });
const timeFormat = new Intl.DateTimeFormat("en-GB", { timeStyle: "short", timeZone: "UTC" });
const dayFormat = new Intl.DateTimeFormat("en-GB", { day: "numeric", month: "short", timeZone: "UTC" });
const logTimeFormat = new Intl.DateTimeFormat("en-GB", {
  hour: "2-digit",
  minute: "2-digit",
  second: "2-digit",
  fractionalSecondDigits: 3,
  hourCycle: "h23",
  timeZone: "UTC",
});

/** "3 Nov 2026, 12:00 UTC" ("…, 12:00:05 UTC" with seconds); "–" for no date. */
export function formatDateTime(date: DateLike | null | undefined, options: { seconds?: boolean } = {}): string {
  if (date === null || date === undefined) return "–";
  return formatUtcDateTime(date, options);
}

/** "3 Nov 2026" (the UTC date); "–" for no date. */
export function formatDate(date: DateLike | null | undefined): string {
  return date === null || date === undefined ? "–" : dateFormat.format(new Date(date));
}

/** A calendar day without its year, for chart axes: "2026-11-03" → "3 Nov". */
export function formatDay(isoDate: string): string {
  return dayFormat.format(new Date(`${isoDate}T00:00:00Z`));
}

/** The time of day: "12:00 UTC". */
export function formatTime(date: DateLike): string {
  return `${timeFormat.format(new Date(date))} UTC`;
}

/** A log line's time, to the millisecond (UTC): "12:00:05.123". */
export function formatLogTime(date: DateLike): string {
  return logTimeFormat.format(new Date(date));
}

const relativeFormat = new Intl.RelativeTimeFormat("en", { numeric: "auto" });
const units: [Intl.RelativeTimeFormatUnit, number][] = [
  ["year", 365 * 86_400],
  ["month", 30 * 86_400],
  ["week", 7 * 86_400],
  ["day", 86_400],
  ["hour", 3_600],
  ["minute", 60],
];

/** Relative to `now`: "just now" (under 45 s), "5 minutes ago", "in 1 hour", "yesterday", "3 weeks ago", "last year". */
export function formatRelative(date: DateLike, now: DateLike = Date.now()): string {
  const seconds = Math.round((new Date(date).getTime() - new Date(now).getTime()) / 1000);
  if (Math.abs(seconds) < 45) return "just now";
  const [unit, size] = units.find(([, size]) => Math.abs(seconds) >= size) ?? ["minute", 60];
  // At least one unit: 45–59 s reads "1 minute ago", not "0 minutes ago".
  return relativeFormat.format(Math.sign(seconds) * Math.max(1, Math.round(Math.abs(seconds) / size)), unit);
}

/** Milliseconds as its two largest units, compact (countdowns, run times): "2 d 3 h", "5 h 12 min", "12 min 5 s", "45 s". */
export function formatDuration(ms: number): string {
  const seconds = Math.max(0, Math.floor(ms / 1000));
  const d = Math.floor(seconds / 86_400);
  const h = Math.floor((seconds % 86_400) / 3_600);
  const m = Math.floor((seconds % 3_600) / 60);
  const s = seconds % 60;
  if (d > 0) return h > 0 ? `${d} d ${h} h` : `${d} d`;
  if (h > 0) return m > 0 ? `${h} h ${m} min` : `${h} h`;
  if (m > 0) return s > 0 && m < 10 ? `${m} min ${s} s` : `${m} min`;
  return `${s} s`;
}

/** A lifetime in hours, in words: 72 → "3 days", 36 → "36 hours", 1 → "1 hour". */
export function formatHours(hours: number): string {
  if (hours >= 24 && hours % 24 === 0) return plural(hours / 24, "day");
  return plural(hours, "hour");
}

/** Seconds with one decimal, for short measured times: 1234 ms → "1.2 s". */
export function formatSeconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}
