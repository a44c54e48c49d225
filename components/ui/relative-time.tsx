import { formatDateTime, formatRelative } from "~/components/format/time";

/**
 * A time as the app shows it everywhere: relative ("5 minutes ago", "in 3 hours"), the absolute
 * UTC time on hover and for machines. The relative text depends on the clock, so server and
 * browser may differ by a minute: that difference is expected, not a hydration bug.
 */
export function RelativeTime({ at, now, className }: { at: Date | string; now?: Date | number; className?: string }) {
  return (
    <time dateTime={new Date(at).toISOString()} title={formatDateTime(at)} className={className} suppressHydrationWarning>
      {formatRelative(at, now)}
    </time>
  );
}
